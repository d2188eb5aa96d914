//! User accounts: which role and unit an account may have under the plan, for the
//! command line (`user add`) and the administration page alike.

use duikou_domain::plan::Plan;
use duikou_domain::roles::Role;

use crate::error::{AppError, AppResult};

/// Check a role and unit against the plan, as `user add` and the admin page do.
pub fn check_role_unit(
    plan: &Plan,
    role: &str,
    unit: Option<&str>,
) -> AppResult<(Role, Option<String>)> {
    let role = Role::from_key(role).ok_or_else(|| {
        let all = Role::ALL
            .iter()
            .map(|r| r.key())
            .collect::<Vec<_>>()
            .join(", ");
        AppError::input(
            format!("未知角色「{role}」，可选：{all}"),
            format!("unknown role \"{role}\"; one of: {all}"),
        )
    })?;
    let unit = match unit.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => Some(
            plan.resolve_unit(u)
                .ok_or_else(|| {
                    AppError::input(
                        format!("计划中没有单位「{u}」"),
                        format!("no unit named \"{u}\" in the plan"),
                    )
                })?
                .name
                .clone(),
        ),
        None => None,
    };
    if role.needs_unit() && unit.is_none() {
        return Err(AppError::input(
            format!("角色 {} 需要 --unit", role.key()),
            format!("role {} needs --unit", role.key()),
        ));
    }
    if role == Role::Receiver {
        let u = plan
            .unit(unit.as_deref().unwrap_or_default())
            .expect("resolved");
        if u.kind != duikou_domain::plan::UnitKind::County {
            return Err(AppError::input(
                format!("受援县区角色的单位应为县区，「{}」不是", u.name),
                format!("a receiver's unit must be a county; {} is not", u.name),
            ));
        }
    }
    Ok((role, unit))
}

/// An account's e-mail address (for the daily digest), as `user add --email` and the
/// administration page take it: empty is none; anything else must look like an address.
pub fn check_email(email: Option<&str>) -> AppResult<Option<String>> {
    match email.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(None),
        Some(e) if crate::config::valid_email(e) => Ok(Some(e.to_string())),
        Some(e) => Err(AppError::input(
            format!("电子邮件地址无效：「{e}」（应为 name@example.cn 这样的地址）"),
            format!(
                "invalid e-mail address: \"{e}\" (expected an address such as name@example.cn)"
            ),
        )),
    }
}
