//! How recdiag reaches a Redis or a sentinel: TCP, TLS or a unix socket,
//! opened here so that every byte read passes through a [`Guard`] (a
//! hostile or broken server cannot make recdiag hold more than a bounded
//! reply) and so that TLS trusts what the URL says: the public roots,
//! plus a private CA from `ssl_ca_certs` (redis-py's parameter), or any
//! certificate at all with `#insecure`. The driver then speaks RESP over
//! the stream as it would over its own.

use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, Pipeline,
    RedisError, RedisResult,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::raw_resp::{Raw, Tape};
use super::resp_guard::Guard;

/// A multiplexed connection to `url` (the real URL, with its password),
/// trusting `ca` besides the public roots when it uses TLS.
pub async fn open(
    url: &str,
    ca: &[CertificateDer<'static>],
    config: AsyncConnectionConfig,
) -> RedisResult<MultiplexedConnection> {
    let info = url.into_connection_info()?;
    let io = stream(&info, ca).await?;
    let (conn, driver) =
        MultiplexedConnection::new_with_config(info.redis_settings(), io, config).await?;
    tokio::spawn(driver);
    Ok(conn)
}

/// What the bytes go through: TCP, TLS or a unix socket.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The guarded stream to the server `info` names.
async fn stream(
    info: &ConnectionInfo,
    ca: &[CertificateDer<'static>],
) -> RedisResult<Guard<Box<dyn Io>>> {
    let io: Box<dyn Io> = match info.addr() {
        ConnectionAddr::Tcp(host, port) => Box::new(tcp(host, *port).await?),
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
            Box::new(
                tokio_rustls::TlsConnector::from(Arc::new(tls_config(*insecure, ca)?))
                    .connect(name, tcp)
                    .await?,
            )
        }
        ConnectionAddr::Unix(path) => Box::new(tokio::net::UnixStream::connect(path).await?),
        _ => return Err(io_error("an address kind recdiag does not know".into())),
    };
    Ok(Guard::new(io))
}

async fn tcp(host: &str, port: u16) -> std::io::Result<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect((host, port)).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

/// A connection whose replies are read by recdiag itself, onto a
/// [`Tape`], for reads of millions of values (`call`'s search): no value
/// is copied out of the buffer the bytes arrived in.
pub struct RawConn {
    io: Guard<Box<dyn Io>>,
    tape: Tape,
    /// A send was cut off (dropped for want of time, or an error) before
    /// its replies were all read: the stream is no longer at a reply's
    /// start, and the connection is not used again.
    broken: bool,
}

impl RawConn {
    /// Connect to `url` as [`open`] does and log in (AUTH, SELECT).
    pub async fn open(url: &str, ca: &[CertificateDer<'static>]) -> RedisResult<RawConn> {
        let info = url.into_connection_info()?;
        let mut raw = RawConn {
            io: stream(&info, ca).await?,
            tape: Tape::default(),
            broken: false,
        };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = settings.username() {
                auth.arg(user);
            }
            auth.arg(password);
            let refused = raw.command(auth).await?;
            // Redis before 6 knows no users: AUTH takes the password
            // alone (as the driver retries).
            let refused = match refused {
                Some(e)
                    if settings.username().is_some()
                        && e.to_string().contains("wrong number of arguments") =>
                {
                    raw.command(redis::cmd("AUTH").arg(password).clone())
                        .await?
                }
                other => other,
            };
            if let Some(e) = refused {
                return Err(e);
            }
        }
        if settings.db() != 0
            && let Some(e) = raw
                .command(redis::cmd("SELECT").arg(settings.db()).clone())
                .await?
        {
            return Err(e);
        }
        Ok(raw)
    }

    /// One command; the server's error, if it answered with one.
    async fn command(&mut self, c: redis::Cmd) -> RedisResult<Option<RedisError>> {
        let mut p = redis::pipe();
        p.add_command(c);
        Ok(self
            .send(&p)
            .await?
            .values()
            .iter()
            .find_map(Raw::server_error))
    }

    /// Send `p` and read one reply per command. The replies are on the
    /// tape returned until the next send.
    pub async fn send(&mut self, p: &Pipeline) -> RedisResult<&Tape> {
        if self.broken {
            return Err(io_error(
                "an earlier read on this connection was cut off".into(),
            ));
        }
        self.tape.clear();
        if p.is_empty() {
            return Ok(&self.tape);
        }
        self.broken = true;
        self.io.write_all(&p.get_packed_pipeline()).await?;
        self.io.flush().await?;
        while self.tape.replies() < p.len() {
            let read = self.io.read_buf(self.tape.room(64 * 1024)).await?;
            if read == 0 {
                return Err(io_error("the server closed the connection".into()));
            }
            self.tape.parse().map_err(io_error)?;
        }
        // Nothing may follow the replies asked for: a server sending more
        // is not answering these commands.
        if !self.tape.whole() || self.tape.replies() != p.len() {
            return Err(io_error(format!(
                "{}: more than the replies asked for",
                super::resp_guard::REFUSED
            )));
        }
        self.broken = false;
        Ok(&self.tape)
    }
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
