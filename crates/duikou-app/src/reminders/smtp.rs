//! E-mail over SMTP (lettre): STARTTLS or TLS through rustls with the Mozilla roots, or
//! plain for a relay on a closed network; a login when the installation gives one. The
//! password is read when mail is sent and never logged.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpTls};
use crate::error::{AppError, AppResult};

/// How long one conversation with the server may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A connection setting to one server, reused for every message of a run.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(cfg: &SmtpConfig) -> AppResult<Mailer> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            AppError::input(
                format!("SMTP 设置有误（{what}）：{e}"),
                format!("the SMTP settings are wrong ({what}): {e}"),
            )
        };
        let from: Mailbox = cfg.from.parse().map_err(|e| bad("DUIKOU_SMTP_FROM", &e))?;
        let tls = match cfg.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => {
                Tls::Required(TlsParameters::new(cfg.host.clone()).map_err(|e| bad("TLS", &e))?)
            }
            SmtpTls::Tls => {
                Tls::Wrapper(TlsParameters::new(cfg.host.clone()).map_err(|e| bad("TLS", &e))?)
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
            .port(cfg.port)
            .tls(tls)
            .timeout(Some(TIMEOUT));
        if let Some(user) = &cfg.user {
            let password = cfg
                .password()?
                .map(|p| p.expose().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Send one plain-text message (UTF-8); the server's refusal as the error.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("收件地址无效 / invalid address {to}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("邮件无法生成 / cannot build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
