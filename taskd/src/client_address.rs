//! The client's address, for the per-address limits: the peer of the TCP
//! connection, or, when that peer is a trusted reverse proxy, the address the
//! proxies recorded in `X-Forwarded-For`.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use ipnet::IpNet;
use warp::Filter;
use warp::http::HeaderMap;

use crate::serve::PeerAddress;

/// Proxies trusted to say who their client is (`FORWARDED_ALLOW_IPS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client behind `peer`: walking `X-Forwarded-For` from the right
    /// (the entry the nearest proxy added) past trusted proxies, the first
    /// untrusted address. Entries left of it were written by the client
    /// itself and prove nothing.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            // A malformed entry ends the walk: what lies left of it is unknowable.
            let Some(address) = parse_entry(entry) else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        canonical(client)
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated addresses and networks: `127.0.0.1,10.0.0.0/8,::1`.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut networks = Vec::new();
        for entry in input.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                return Err(
                    "a wildcard would let any client choose its address: list the proxies, \
                     such as 127.0.0.1 or 10.0.0.0/8"
                        .to_owned(),
                );
            }
            let network = match entry.parse::<IpNet>() {
                Ok(network) => network,
                Err(_) => entry.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
                    format!("'{entry}' is not an IP address or network, such as 10.0.0.0/8")
                })?,
            };
            networks.push(network);
        }
        Ok(Self(networks))
    }
}

/// `203.0.113.7`, `[2001:db8::1]:443`, `203.0.113.7:1234` or `2001:db8::1`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

/// IPv4-mapped IPv6 addresses as the IPv4 addresses they are.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        IpAddr::V4(_) => address,
    }
}

/// [`client_address`] for the request path every authenticated call takes:
/// without trusted proxies (the default) only the peer is read, and no
/// request's headers are copied for an address most requests never use.
pub fn cheap_client_address(
    trusted: Arc<TrustedProxies>,
) -> warp::filters::BoxedFilter<(Option<IpAddr>,)> {
    if trusted.0.is_empty() {
        warp::ext::optional::<PeerAddress>()
            .map(|peer: Option<PeerAddress>| peer.map(|PeerAddress(peer)| canonical(peer.ip())))
            .boxed()
    } else {
        client_address(trusted).boxed()
    }
}

/// The client's address, as [`TrustedProxies::client`] decides; `None` when
/// the request came with no peer address (the server records it per
/// connection, `serve::PeerAddress`).
pub fn client_address(
    trusted: Arc<TrustedProxies>,
) -> impl Filter<Extract = (Option<IpAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<PeerAddress>()
        .and(warp::header::headers_cloned())
        .map(move |peer: Option<PeerAddress>, headers: HeaderMap| {
            peer.map(|PeerAddress(peer)| trusted.client(peer.ip(), &headers))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", value.parse().expect("header value"));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let trusted: TrustedProxies = "".parse().expect("empty list");
        let claims = headers(&["198.51.100.1"]);
        assert_eq!(
            trusted.client(ip("203.0.113.9"), &claims),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        let trusted: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().expect("valid");
        let local = ip("127.0.0.1");
        // The client wrote the first entry itself; the proxies appended the rest.
        let chain = headers(&["1.2.3.4, 198.51.100.1, 10.0.0.2"]);
        assert_eq!(trusted.client(local, &chain), ip("198.51.100.1"));
        // Several header lines read as one list.
        let lines = headers(&["1.2.3.4", "198.51.100.1:5555"]);
        assert_eq!(trusted.client(local, &lines), ip("198.51.100.1"));
        // Only trusted proxies all the way: the leftmost one.
        assert_eq!(
            trusted.client(local, &headers(&["10.1.1.1"])),
            ip("10.1.1.1")
        );
        // No header: the proxy itself.
        assert_eq!(trusted.client(local, &HeaderMap::new()), local);
        // Garbage stops the walk at the last address known.
        assert_eq!(
            trusted.client(local, &headers(&["1.2.3.4, nonsense, 10.0.0.2"])),
            ip("10.0.0.2")
        );
        let mapped = ip("::ffff:127.0.0.1");
        assert_eq!(
            trusted.client(mapped, &headers(&["[2001:db8::7]:80"])),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn lists_are_checked() {
        assert!("*".parse::<TrustedProxies>().is_err());
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        assert!("proxy.local".parse::<TrustedProxies>().is_err());
        assert_eq!(
            "::1, 192.168.0.0/16"
                .parse::<TrustedProxies>()
                .expect("valid")
                .0
                .len(),
            2
        );
    }
}
