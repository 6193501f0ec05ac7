//! How to reach the server: timeouts and trusted certificate authorities.

use std::time::Duration;

use super::error::ClientError;

/// How long to wait for the server.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a whole request.
    pub request: Duration,
}

/// How to reach the server: timeouts, and certificate authorities to trust
/// besides the platform's (a self-hosted CA).
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// How long to wait.
    pub timeouts: Timeouts,
    /// Extra trusted roots, for HTTPS to a server with a private CA.
    pub root_certificates: Vec<reqwest::Certificate>,
}

impl ClientOptions {
    /// Reads the PEM certificates of a CA file (one or several).
    pub fn trust_pem_file(mut self, path: &std::path::Path) -> Result<Self, ClientError> {
        let unusable = |reason: String| ClientError::CaCertificate {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|error| unusable(error.to_string()))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|error| unusable(error.to_string()))?;
        if certificates.is_empty() {
            return Err(unusable("no PEM certificate in it".to_owned()));
        }
        self.root_certificates.extend(certificates);
        Ok(self)
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        }
    }
}
