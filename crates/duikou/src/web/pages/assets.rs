//! Static files compiled into the binary (closed networks: no CDN), served under
//! /assets with long cache lifetimes; pages add `?v=` with a content hash, so a new
//! build is fetched at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../assets/app.css"),
    },
    Asset {
        path: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/app.js"),
    },
    Asset {
        path: "vendor/htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/htmx.min.js"),
    },
    Asset {
        path: "vendor/echarts.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/echarts.min.js"),
    },
    Asset {
        path: "vendor/htmx.LICENSE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/htmx.LICENSE"),
    },
    Asset {
        path: "vendor/echarts.LICENSE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/echarts.LICENSE"),
    },
    Asset {
        path: "vendor/echarts.NOTICE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../../assets/vendor/echarts.NOTICE"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../assets/favicon.svg"),
    },
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for a in ASSETS {
        h.update(a.bytes);
    }
    hex::encode(h.finalize())[..12].to_string()
});

/// A short hash of every asset, for cache-busting `?v=`.
pub fn version() -> &'static str {
    VERSION.as_str()
}

pub async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(a) = ASSETS.iter().find(|a| a.path == path) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found / 不存在",
        )
            .into_response();
    };
    let etag = format!("\"{}\"", version());
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, a.content_type.to_string()),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
            (header::ETAG, etag),
        ],
        a.bytes,
    )
        .into_response()
}
