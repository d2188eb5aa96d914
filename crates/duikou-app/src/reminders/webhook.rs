//! A group robot's webhook (企业微信 / 钉钉): one JSON POST per message, in the shape the
//! configured flavour accepts. Both answer 200 with `errcode` 0 when they took it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::{WebhookConfig, WebhookFlavour};
use crate::error::{AppError, AppResult};

/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The HTTP client of a run (rustls; redirects not followed: a robot answers directly).
pub fn client() -> AppResult<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| AppError::failure_text(format!("HTTP client: {e}")))
}

/// The body a robot of this flavour accepts.
pub fn body(flavour: WebhookFlavour, title: &str, markdown: &str) -> Value {
    match flavour {
        WebhookFlavour::WeCom => json!({
            "msgtype": "markdown",
            "markdown": { "content": markdown },
        }),
        WebhookFlavour::DingTalk => json!({
            "msgtype": "markdown",
            "markdown": { "title": title, "text": markdown },
        }),
    }
}

/// POST one message; a status other than 2xx, or an `errcode` other than 0, is the error.
pub async fn post(
    client: &reqwest::Client,
    cfg: &WebhookConfig,
    title: &str,
    markdown: &str,
) -> Result<(), String> {
    let res = client
        .post(&cfg.url)
        .json(&body(cfg.flavour, title, markdown))
        .send()
        .await
        .map_err(|e| format!("webhook: {}", e.without_url()))?;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "webhook: HTTP {status}: {}",
            text.chars().take(200).collect::<String>()
        ));
    }
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        if let Some(code) = v.get("errcode").and_then(Value::as_i64).filter(|c| *c != 0) {
            return Err(format!(
                "webhook: errcode {code}: {}",
                v.get("errmsg").and_then(Value::as_str).unwrap_or_default()
            ));
        }
    }
    Ok(())
}
