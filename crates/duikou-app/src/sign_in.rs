//! Signing in and changing one's own password: the use cases the sign-in page, the
//! password page and the API share. The rules: one answer for a wrong name, a wrong
//! password and a disabled account (nothing tells whether a user exists); failures
//! lock the name for a while (`Store::check_login` counts them); the current password
//! is checked like a sign-in (a stolen session cannot guess it unthrottled); a new
//! password must be strong (`check_new_password`); a changed password ends every
//! session of the user and starts a fresh one for the person who changed it.

use duikou_storage::Store;
use duikou_storage::passwords::check_new_password;
use duikou_storage::users::{LoginOutcome, SessionInfo, User};

use crate::error::AppResult;

/// How long a session lives.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(8);

/// Longer inputs are refused before any work is done on them.
const MAX_NAME_BYTES: usize = 256;
const MAX_PASSWORD_BYTES: usize = 1024;

/// What a sign-in came to.
pub enum SignIn {
    Welcome {
        user: User,
        session: SessionInfo,
    },
    /// Wrong name or password, or a disabled account: one answer for all.
    Refused,
    /// Too many failures: try again after this many seconds.
    Locked {
        seconds: i64,
    },
}

pub async fn sign_in(store: &Store, username: &str, password: &str) -> AppResult<SignIn> {
    let username = username.trim();
    if username.is_empty() || username.len() > MAX_NAME_BYTES || password.len() > MAX_PASSWORD_BYTES
    {
        return Ok(SignIn::Refused);
    }
    match store.check_login(username, password).await? {
        LoginOutcome::Ok(id) => {
            let Some(user) = store.user_by_id(id).await? else {
                return Ok(SignIn::Refused);
            };
            let session = store.create_session(id, SESSION_LIFETIME).await?;
            Ok(SignIn::Welcome { user, session })
        }
        LoginOutcome::Locked { seconds } => Ok(SignIn::Locked { seconds }),
        LoginOutcome::Invalid | LoginOutcome::Disabled => Ok(SignIn::Refused),
    }
}

/// A field of the password form and what is wrong with it.
#[derive(Debug, Clone)]
pub struct PasswordProblem {
    /// `current_password` or `new_password`.
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// What a password change came to.
pub enum PasswordChange {
    /// Changed: every other session ended; `session` is the caller's fresh one.
    Changed { user: User, session: SessionInfo },
    /// The form's values are wrong (the current password missing or wrong, the new one
    /// weak); nothing changed.
    Refused(Vec<PasswordProblem>),
    /// Too many wrong current passwords: try again after this many seconds.
    Locked { seconds: i64 },
}

/// What is wrong with a change's values before anything is asked of the database.
pub fn check_change(user: &User, current: &str, new: &str) -> Vec<PasswordProblem> {
    let mut problems = Vec::new();
    if current.is_empty() || current.len() > MAX_PASSWORD_BYTES {
        problems.push(PasswordProblem {
            field: "current_password",
            zh: "请输入当前密码".into(),
            en: "Enter your current password".into(),
        });
    }
    if let Err(weak) = check_new_password(new, &user.username, Some(current)) {
        problems.push(PasswordProblem {
            field: "new_password",
            zh: weak.zh,
            en: weak.en,
        });
    }
    problems
}

/// Change the signed-in user's own password.
pub async fn change_own_password(
    store: &Store,
    user: &User,
    current: &str,
    new: &str,
) -> AppResult<PasswordChange> {
    let problems = check_change(user, current, new);
    if !problems.is_empty() {
        return Ok(PasswordChange::Refused(problems));
    }
    match store.check_login(&user.username, current).await? {
        LoginOutcome::Ok(_) => {}
        LoginOutcome::Locked { seconds } => return Ok(PasswordChange::Locked { seconds }),
        LoginOutcome::Invalid | LoginOutcome::Disabled => {
            return Ok(PasswordChange::Refused(vec![PasswordProblem {
                field: "current_password",
                zh: "当前密码不正确".into(),
                en: "The current password is wrong".into(),
            }]));
        }
    }
    store
        .set_password(user.id, new, false, &user.username)
        .await?;
    let session = store.create_session(user.id, SESSION_LIFETIME).await?;
    let user = store
        .user_by_id(user.id)
        .await?
        .unwrap_or_else(|| user.clone());
    Ok(PasswordChange::Changed { user, session })
}
