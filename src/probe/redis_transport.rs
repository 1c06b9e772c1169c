//! How recdiag reaches a Redis or a sentinel: TCP, TLS or a unix socket,
//! opened here so that every byte read passes through a [`Guard`] (a
//! hostile or broken server cannot make recdiag hold more than a bounded
//! reply) and so that TLS trusts what the URL says: the public roots,
//! plus a private CA from `ssl_ca_certs` (redis-py's parameter), or any
//! certificate at all with `#insecure`. The driver then speaks RESP over
//! the stream as it would over its own.

use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionAddr, IntoConnectionInfo, RedisError, RedisResult};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};

use super::resp_guard::Guard;

/// A multiplexed connection to `url` (the real URL, with its password),
/// trusting `ca` besides the public roots when it uses TLS.
pub async fn open(
    url: &str,
    ca: &[CertificateDer<'static>],
    config: AsyncConnectionConfig,
) -> RedisResult<MultiplexedConnection> {
    let info = url.into_connection_info()?;
    match info.addr() {
        ConnectionAddr::Tcp(host, port) => {
            let tcp = tcp(host, *port).await?;
            finish(info.redis_settings(), tcp, config).await
        }
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure,
            ..
        } => {
            let tcp = tcp(host, *port).await?;
            let name = ServerName::try_from(host.as_str())
                .map_err(|e| io_error(format!("'{host}' is no TLS server name ({e})")))?
                .to_owned();
            let tls = tokio_rustls::TlsConnector::from(Arc::new(tls_config(*insecure, ca)?))
                .connect(name, tcp)
                .await?;
            finish(info.redis_settings(), tls, config).await
        }
        ConnectionAddr::Unix(path) => {
            let unix = tokio::net::UnixStream::connect(path).await?;
            finish(info.redis_settings(), unix, config).await
        }
        _ => Err(io_error("an address kind recdiag does not know".into())),
    }
}

async fn tcp(host: &str, port: u16) -> std::io::Result<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect((host, port)).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

async fn finish<S>(
    settings: &redis::RedisConnectionInfo,
    stream: S,
    config: AsyncConnectionConfig,
) -> RedisResult<MultiplexedConnection>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (conn, driver) =
        MultiplexedConnection::new_with_config(settings, Guard::new(stream), config).await?;
    tokio::spawn(driver);
    Ok(conn)
}

fn io_error(text: String) -> RedisError {
    RedisError::from(std::io::Error::other(text))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client's TLS settings: verify against the public roots and `ca`,
/// or (`#insecure`) accept any certificate — still checking that the
/// server holds the key of the certificate it shows.
fn tls_config(insecure: bool, ca: &[CertificateDer<'static>]) -> RedisResult<rustls::ClientConfig> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| io_error(format!("TLS settings: {e}")))?;
    let config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(
                provider.signature_verification_algorithms,
            )))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in ca {
            roots
                .add(cert.clone())
                .map_err(|e| io_error(format!("a certificate in ssl_ca_certs: {e}")))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(config)
}

/// `#insecure`: any certificate, self-signed or for another host.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
