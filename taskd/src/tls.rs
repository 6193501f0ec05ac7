//! HTTPS of taskd's own: a certificate and key from PEM files
//! (`TLS_CERT_FILE`, `TLS_KEY_FILE`), HTTP/2 or HTTP/1.1 by ALPN, and the
//! pair read again on `SIGHUP`, so a renewed certificate needs no restart.
//!
//! The pair is checked whole before it is used: a file that cannot be read,
//! holds no certificate or no key, or a key that is not the certificate's
//! stops taskd at start, and on `SIGHUP` keeps the pair in use (with a
//! warning) rather than serve nothing.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_rustls::TlsAcceptor;

/// Where the certificate chain and its private key are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM: the server's certificate first, then any intermediates.
    pub certificate: PathBuf,
    /// PEM: the certificate's private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The certificate handshakes are answered with, replaced on reload.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    /// Reads and checks the pair; the error is one line naming the file.
    pub fn load(files: TlsFiles) -> Result<Arc<Self>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = read_pair(&files, &provider)?;
        Ok(Arc::new(Self {
            files,
            provider,
            current: RwLock::new(current),
        }))
    }

    /// Reads the pair again; on any error the one in use stays.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = read_pair(&self.files, &self.provider)?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// What accepts TLS connections with these certificates: TLS 1.2 and
    /// 1.3, HTTP/2 preferred by ALPN, HTTP/1.1 otherwise.
    pub fn acceptor(self: &Arc<Self>) -> Result<TlsAcceptor, String> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("cannot set up TLS: {error}"))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        )
    }
}

/// Reads the certificate chain and the key, and checks they belong together.
fn read_pair(files: &TlsFiles, provider: &CryptoProvider) -> Result<Arc<CertifiedKey>, String> {
    let chain = read(&files.certificate, "TLS_CERT_FILE")?;
    let chain = CertificateDer::pem_slice_iter(&chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| unreadable("TLS_CERT_FILE", &files.certificate, &error))?;
    if chain.is_empty() {
        return Err(format!(
            "TLS_CERT_FILE {}: no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)",
            files.certificate.display()
        ));
    }
    let key = read(&files.key, "TLS_KEY_FILE")?;
    if key
        .windows(ENCRYPTED.len())
        .any(|window| window == ENCRYPTED.as_bytes())
    {
        return Err(format!(
            "TLS_KEY_FILE {}: the key is encrypted; taskd needs it unencrypted \
             (openssl pkey -in {} -out key.pem, then keep key.pem readable by taskd only)",
            files.key.display(),
            files.key.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key).map_err(|error| match error {
        rustls::pki_types::pem::Error::NoItemsFound => format!(
            "TLS_KEY_FILE {}: no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----)",
            files.key.display()
        ),
        error => unreadable("TLS_KEY_FILE", &files.key, &error),
    })?;
    let pair = CertifiedKey::from_der(chain, key, provider).map_err(|error| match error {
        rustls::Error::InconsistentKeys(_) => format!(
            "TLS_KEY_FILE {} is not the key of the certificate in TLS_CERT_FILE {}",
            files.key.display(),
            files.certificate.display()
        ),
        error => format!(
            "TLS_CERT_FILE {} and TLS_KEY_FILE {}: {error}",
            files.certificate.display(),
            files.key.display()
        ),
    })?;
    Ok(Arc::new(pair))
}

/// How a PEM file marks an encrypted private key.
const ENCRYPTED: &str = "ENCRYPTED PRIVATE KEY";

fn read(path: &Path, variable: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|error| format!("{variable} {}: {error}", path.display()))
}

fn unreadable(variable: &str, path: &Path, error: &impl Display) -> String {
    format!("{variable} {}: not valid PEM ({error})", path.display())
}

/// Listens for `SIGHUP` from now on (before taskd listens, so an early
/// signal cannot kill it), and at each one reads the pair again; without
/// HTTPS, says there is nothing to reload. Call from inside the runtime.
pub fn reload_on_hangup(certificates: Option<Arc<Certificates>>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGHUP; a renewed certificate needs a restart");
                return;
            }
        };
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                let Some(certificates) = &certificates else {
                    tracing::info!("SIGHUP: nothing to reload (TLS_CERT_FILE is not set)");
                    continue;
                };
                let reloading = certificates.clone();
                let outcome = tokio::task::spawn_blocking(move || reloading.reload()).await;
                match outcome {
                    Ok(Ok(())) => tracing::info!(
                        certificate = %certificates.files.certificate.display(),
                        "reloaded the TLS certificate and key"
                    ),
                    Ok(Err(message)) => {
                        tracing::warn!("kept the TLS certificate in use: {message}");
                    }
                    Err(error) => tracing::warn!(%error, "kept the TLS certificate in use"),
                }
            }
        });
    }
    #[cfg(not(unix))]
    if certificates.is_some() {
        tracing::warn!("this system has no SIGHUP: a renewed certificate needs a restart");
    }
}
