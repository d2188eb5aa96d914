//! 通知 (notices): what concerns the signed-in person and their unit today — records
//! returned, transfers waiting for their receipt, records waiting for review, deadlines
//! within 60 days, what is overdue, disputes, 催报 — and, for coordinators, 催报 itself:
//! one button reminding every unit that still owes something. The rules are the
//! domain's (`duikou_domain::reminders`), read through `duikou_app::reminders`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use duikou_domain::reminders::{Notice, NoticeKind};
use duikou_domain::roles::Role;

use super::{Ctx, Form, Req, html, query_param, see_other};
use crate::web::AppState;
use crate::web::auth::Authenticated;

/// One line of a section.
pub struct Line {
    pub text: String,
    pub href: String,
    pub due: String,
}

/// The notices of one kind.
pub struct Section {
    pub id: &'static str,
    pub heading: String,
    pub lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    ctx: Ctx,
    /// The role gets notices at all.
    applies: bool,
    total: usize,
    sections: Vec<Section>,
    /// Coordinators: how many units a 催报 would remind now.
    chase: Option<usize>,
}

/// How many notices the header shows: None for a role without notices, a user who must
/// first change the password or is outside the plan, or when they cannot be read.
pub async fn count(state: &AppState, auth: &Authenticated) -> Option<usize> {
    let actor = auth.actor();
    if auth.user.must_change_password
        || !auth.in_plan
        || !duikou_app::reminders::has_notices(actor.role)
    {
        return None;
    }
    match state
        .notices
        .notices_at(
            &state.services,
            &actor,
            duikou_app::reminders::today_for(&state.config.reminders),
            auth.change_seq,
        )
        .await
    {
        Ok(n) => Some(n.len()),
        Err(e) => {
            tracing::warn!(error = %e, "notices not counted");
            None
        }
    }
}

fn sections(req: &Req, notices: &[Notice]) -> Vec<Section> {
    let l = req.l;
    NoticeKind::ALL
        .iter()
        .filter_map(|k| {
            let lines: Vec<Line> = notices
                .iter()
                .filter(|n| n.kind == *k)
                .map(|n| Line {
                    text: n.text(l.is_en()).to_string(),
                    href: n.href.clone().unwrap_or_default(),
                    due: n
                        .due
                        .map(duikou_domain::record::format_date)
                        .unwrap_or_default(),
                })
                .collect();
            (!lines.is_empty()).then(|| Section {
                id: k.key(),
                heading: k.label().in_english(l.is_en()).to_string(),
                lines,
            })
        })
        .collect()
}

pub async fn page(State(state): State<AppState>, req: Req) -> Response {
    let l = req.l;
    let actor = req.actor();
    let seq = req.auth.change_seq;
    let today = duikou_app::reminders::today_for(&state.config.reminders);
    let notices = match state
        .notices
        .notices_at(&state.services, &actor, today, seq)
        .await
    {
        Ok(n) => n,
        Err(e) => return req.internal(e),
    };
    let chase = if actor.role == Role::Coordinator {
        match state.notices.owing_at(&state.services, today, seq).await {
            Ok(units) => Some(units.len()),
            Err(e) => return req.internal(e),
        }
    } else {
        None
    };
    let mut ctx = req.ctx(l.t("通知", "Notices"));
    if let Some(units) = query_param(&req.uri, "chased").and_then(|v| v.parse::<usize>().ok()) {
        let items = query_param(&req.uri, "items")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let failed = query_param(&req.uri, "failed")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut text = l.t(
            format!("已向 {units} 个单位催报（尚欠事项 {items} 项）。"),
            format!(
                "Reminded {} of {} still owed.",
                l.n(units, "unit", "units"),
                l.n(items, "item", "items")
            ),
        );
        if failed > 0 {
            text.push_str(&l.t(
                format!("其中 {failed} 条消息未能送达，详见服务日志。"),
                format!(" {failed} messages could not be delivered; the server's log says why."),
            ));
        }
        ctx.notice = Some(text);
    }
    html(&NoticesPage {
        ctx,
        applies: duikou_app::reminders::has_notices(actor.role),
        total: notices.len(),
        sections: sections(&req, &notices),
        chase,
    })
}

/// 催报: remind every unit with 尚欠事项 (coordinators).
pub async fn chase(State(state): State<AppState>, req: Req, form: Form) -> Response {
    if let Err(r) = req.check_csrf(form.csrf()) {
        return r;
    }
    let actor = req.actor();
    if actor.role != Role::Coordinator {
        return req.forbidden();
    }
    match duikou_app::reminders::chase(
        &state.services,
        &state.config.reminders,
        &actor,
        duikou_app::reminders::today_for(&state.config.reminders),
    )
    .await
    {
        Ok(report) => see_other(&format!(
            "/notices?chased={}&items={}&failed={}",
            report.units.len(),
            report.items(),
            report.delivered.failed.len()
        )),
        Err(e) => req.service_error(e),
    }
}
