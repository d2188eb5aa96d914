//! Users, passwords (argon2id) and database-held sessions.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use duikou_domain::ids::UserId;
use duikou_domain::roles::{Actor, Role};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditEvent};
use crate::entities::{app_user, session};
use crate::{Store, StoreError, format_ts, now_text, parse_ts};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub unit: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
}

impl User {
    pub fn actor(&self) -> Actor {
        Actor {
            username: self.username.clone(),
            role: self.role,
            unit: self.unit.clone(),
        }
    }
}

fn to_user(m: app_user::Model) -> User {
    User {
        id: UserId(m.id),
        username: m.username,
        role: Role::from_key(&m.role).unwrap_or(Role::Viewer),
        unit: m.unit,
        must_change_password: m.must_change_password,
        disabled: m.disabled,
    }
}

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing does not fail on valid params")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A readable initial password: 16 characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

/// A hash to verify against when the user does not exist, so that an unknown
/// username costs the same time as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("duikou-no-such-user"));

/// Failed sign-ins under names that do not exist: hash of the name → (failures, locked
/// until). Held by the store (`Store::unknown_names`), so it lives and dies with the
/// database's connection pool.
pub(crate) type UnknownNames =
    std::collections::HashMap<String, (i32, Option<time::OffsetDateTime>)>;
/// The most unknown names remembered at once.
const MAX_UNKNOWN_NAMES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok(UserId),
    /// Wrong username or password: one answer for both.
    Invalid,
    /// Too many failures; try again after this many seconds.
    Locked {
        seconds: i64,
    },
    Disabled,
}

/// Failures allowed before the account locks; each further failure doubles the wait.
pub const FREE_ATTEMPTS: i32 = 5;

fn lock_seconds(failures: i32) -> i64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let extra = (failures - FREE_ATTEMPTS).min(10) as u32;
    (30i64 << extra).min(3600)
}

/// An account to create with [`Store::create_users`]; it must change its password at
/// first sign-in.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub role: Role,
    pub unit: Option<&'a str>,
    pub password: &'a str,
    pub email: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token: String,
    pub csrf_token: String,
}

impl Store {
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        unit: Option<&str>,
        password: &str,
        actor: &str,
    ) -> Result<User, StoreError> {
        let now = now_text();
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let m = app_user::ActiveModel {
            username: Set(username.to_string()),
            role: Set(role.key().to_string()),
            unit: Set(unit.map(str::to_string)),
            password_hash: Set(hash_password(password)),
            must_change_password: Set(true),
            disabled: Set(false),
            failed_logins: Set(0),
            locked_until: Set(None),
            created_at: Set(now.clone()),
            password_changed_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let after = serde_json::json!({ "username": username, "role": role.key(), "unit": unit });
        audit::append(
            &txn,
            &[AuditEvent::new(actor, "user.create", "user", m.id).after(&after)],
        )
        .await?;
        txn.commit().await?;
        Ok(to_user(m))
    }

    /// Create several users at once (a workbook of accounts): all of them or none. Names
    /// taken meanwhile are answered as `Ok(Err(names))`, nothing written. The passwords
    /// are hashed before the transaction, so writers do not wait on the hashing.
    pub async fn create_users(
        &self,
        users: &[NewUser<'_>],
        actor: &str,
    ) -> Result<Result<Vec<User>, Vec<String>>, StoreError> {
        let hashes: Vec<String> = users.iter().map(|u| hash_password(u.password)).collect();
        let now = now_text();
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let names: Vec<&str> = users.iter().map(|u| u.username).collect();
        let mut taken = Vec::new();
        for chunk in names.chunks(500) {
            taken.extend(
                app_user::Entity::find()
                    .filter(app_user::Column::Username.is_in(chunk.iter().copied()))
                    .all(&txn)
                    .await?
                    .into_iter()
                    .map(|m| m.username),
            );
        }
        if !taken.is_empty() {
            txn.rollback().await?;
            return Ok(Err(taken));
        }
        let mut created = Vec::with_capacity(users.len());
        let mut events = Vec::with_capacity(users.len());
        for (u, hash) in users.iter().zip(hashes) {
            let m = app_user::ActiveModel {
                username: Set(u.username.to_string()),
                role: Set(u.role.key().to_string()),
                unit: Set(u.unit.map(str::to_string)),
                password_hash: Set(hash),
                must_change_password: Set(true),
                disabled: Set(false),
                failed_logins: Set(0),
                locked_until: Set(None),
                created_at: Set(now.clone()),
                password_changed_at: Set(now.clone()),
                email: Set(u.email.map(str::to_string)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            events.push(AuditEvent::new(actor, "user.create", "user", m.id).after(
                &serde_json::json!({
                    "username": u.username, "role": u.role.key(), "unit": u.unit,
                    "email": u.email, "bulk": true,
                }),
            ));
            created.push(to_user(m));
        }
        audit::append(&txn, &events).await?;
        txn.commit().await?;
        Ok(Ok(created))
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Username.eq(username))
            .one(&self.db)
            .await?
            .map(to_user))
    }

    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let id = id.0;
        Ok(app_user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(to_user))
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        Ok(app_user::Entity::find()
            .order_by_asc(app_user::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_user)
            .collect())
    }

    /// Check a password, counting failures and locking with back-off.
    ///
    /// The attempt is counted as a failure *before* the password is verified, in a
    /// transaction serialised with every other writer (`lock_head`), and taken back when
    /// the password is right. So parallel guesses cannot slip past the limit: each one
    /// reads the count the previous one left, and the sixth finds the account locked.
    /// A name that does not exist, or a disabled account, fails and locks the same way
    /// (and costs the same password hash), so neither the answer nor its timing tells
    /// whether a user exists.
    pub async fn check_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<LoginOutcome, StoreError> {
        let Some(m) = app_user::Entity::find()
            .filter(app_user::Column::Username.eq(username))
            .one(&self.db)
            .await?
        else {
            return Ok(self.unknown_user_attempt(username, password));
        };
        let id = m.id;
        // Reserve the attempt: count it as a failure, under the write lock.
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let Some(m) = app_user::Entity::find_by_id(id).one(&txn).await? else {
            txn.rollback().await?;
            return Ok(self.unknown_user_attempt(username, password));
        };
        let now = time::OffsetDateTime::now_utc();
        if let Some(until) = m.locked_until.as_deref().and_then(parse_ts) {
            if until > now {
                txn.rollback().await?;
                let _ = verify_password(password, &DUMMY_HASH);
                return Ok(LoginOutcome::Locked {
                    seconds: (until - now).whole_seconds().max(1),
                });
            }
        }
        let hash = m.password_hash.clone();
        let disabled = m.disabled;
        let failures = m.failed_logins + 1;
        let mut am: app_user::ActiveModel = m.into();
        am.failed_logins = Set(failures);
        let wait = lock_seconds(failures);
        if wait > 0 {
            am.locked_until = Set(Some(format_ts(now + time::Duration::seconds(wait))));
        }
        am.update(&txn).await?;
        txn.commit().await?;

        let ok = verify_password(password, &hash);
        if disabled {
            return Ok(LoginOutcome::Disabled);
        }

        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let outcome = if ok {
            if let Some(m) = app_user::Entity::find_by_id(id).one(&txn).await? {
                let mut am: app_user::ActiveModel = m.into();
                am.failed_logins = Set(0);
                am.locked_until = Set(None);
                am.update(&txn).await?;
            }
            audit::append(&txn, &[AuditEvent::new(username, "user.login", "user", id)]).await?;
            LoginOutcome::Ok(UserId(id))
        } else {
            audit::append(
                &txn,
                &[AuditEvent::new(username, "user.login_failed", "user", id)],
            )
            .await?;
            LoginOutcome::Invalid
        };
        txn.commit().await?;
        Ok(outcome)
    }

    /// A sign-in under a name that does not exist: the same hash work, and the same
    /// count and lock as a real account, kept in memory (per database, by a hash of the
    /// name, at most `MAX_UNKNOWN_NAMES` names).
    fn unknown_user_attempt(&self, username: &str, password: &str) -> LoginOutcome {
        let now = time::OffsetDateTime::now_utc();
        let key = token_hash(username);
        let mut map = self.unknown_names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, Some(until))) = map.get(&key) {
            if *until > now {
                let seconds = (*until - now).whole_seconds().max(1);
                drop(map);
                let _ = verify_password(password, &DUMMY_HASH);
                return LoginOutcome::Locked { seconds };
            }
        }
        if map.len() >= MAX_UNKNOWN_NAMES && !map.contains_key(&key) {
            map.retain(|_, (_, until)| until.is_some_and(|u| u > now));
            if map.len() >= MAX_UNKNOWN_NAMES {
                map.clear();
            }
        }
        let entry = map.entry(key).or_insert((0, None));
        entry.0 += 1;
        let wait = lock_seconds(entry.0);
        if wait > 0 {
            entry.1 = Some(now + time::Duration::seconds(wait));
        }
        drop(map);
        let _ = verify_password(password, &DUMMY_HASH);
        LoginOutcome::Invalid
    }

    /// Set a new password; every session of the user ends.
    pub async fn set_password(
        &self,
        user_id: UserId,
        password: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let user_id = user_id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let Some(m) = app_user::Entity::find_by_id(user_id).one(&txn).await? else {
            return Err(StoreError::Db(sea_orm::DbErr::RecordNotFound(
                "user".into(),
            )));
        };
        let mut am: app_user::ActiveModel = m.into();
        am.password_hash = Set(hash_password(password));
        am.must_change_password = Set(must_change);
        am.failed_logins = Set(0);
        am.locked_until = Set(None);
        am.password_changed_at = Set(now_text());
        am.update(&txn).await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let action = if must_change {
            "user.password_reset"
        } else {
            "user.password_change"
        };
        audit::append(&txn, &[AuditEvent::new(actor, action, "user", user_id)]).await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn update_user(
        &self,
        user_id: UserId,
        role: Role,
        unit: Option<&str>,
        disabled: bool,
        actor: &str,
    ) -> Result<(), StoreError> {
        let user_id = user_id.0;
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let Some(m) = app_user::Entity::find_by_id(user_id).one(&txn).await? else {
            return Err(StoreError::Db(sea_orm::DbErr::RecordNotFound(
                "user".into(),
            )));
        };
        let before = serde_json::json!({ "role": m.role, "unit": m.unit, "disabled": m.disabled });
        let mut am: app_user::ActiveModel = m.into();
        am.role = Set(role.key().to_string());
        am.unit = Set(unit.map(str::to_string));
        am.disabled = Set(disabled);
        am.update(&txn).await?;
        if disabled {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(user_id))
                .exec(&txn)
                .await?;
        }
        let after = serde_json::json!({ "role": role.key(), "unit": unit, "disabled": disabled });
        audit::append(
            &txn,
            &[AuditEvent::new(actor, "user.update", "user", user_id)
                .before(&before)
                .after(&after)],
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Start a session; only a hash of the token is stored.
    pub async fn create_session(
        &self,
        user_id: UserId,
        lifetime: time::Duration,
    ) -> Result<SessionInfo, StoreError> {
        let user_id = user_id.0;
        let token = random_token();
        let csrf = random_token();
        let now = time::OffsetDateTime::now_utc();
        session::ActiveModel {
            token_hash: Set(token_hash(&token)),
            user_id: Set(user_id),
            csrf_token: Set(csrf.clone()),
            created_at: Set(format_ts(now)),
            expires_at: Set(format_ts(now + lifetime)),
        }
        .insert(&self.db)
        .await?;
        Ok(SessionInfo {
            token,
            csrf_token: csrf,
        })
    }

    /// The user and CSRF token of a live session.
    pub async fn session_user(&self, token: &str) -> Result<Option<(User, String)>, StoreError> {
        let Some(s) = session::Entity::find_by_id(token_hash(token))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if parse_ts(&s.expires_at).is_none_or(|e| e <= time::OffsetDateTime::now_utc()) {
            session::Entity::delete_by_id(s.token_hash)
                .exec(&self.db)
                .await?;
            return Ok(None);
        }
        let user = self.user_by_id(UserId(s.user_id)).await?;
        Ok(user.filter(|u| !u.disabled).map(|u| (u, s.csrf_token)))
    }

    /// As [`Store::session_user`], in one statement that also reads the change number
    /// ([`Store::change_seq`]) of the same snapshot: one round trip per request, and
    /// callers key their caches by it. Every check is the database's, every time:
    /// a logout, an expiry, a disabled account or a password change ends the session
    /// on its next request.
    pub async fn session_user_seq(
        &self,
        token: &str,
    ) -> Result<Option<(User, String, i64)>, StoreError> {
        use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
        let hash = token_hash(token);
        let backend = self.backend();
        let p = match backend {
            sea_orm::DatabaseBackend::Postgres => "$1",
            _ => "?",
        };
        let sql = format!(
            "SELECT u.*, s.csrf_token AS s_csrf_token, s.expires_at AS s_expires_at, \
             (SELECT h.seq FROM audit_head h WHERE h.id = 1) AS s_change_seq \
             FROM \"session\" s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = {p}"
        );
        let Some(row) = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [hash.clone().into()],
            ))
            .await?
        else {
            return Ok(None);
        };
        let expires: String = row.try_get("", "s_expires_at")?;
        if parse_ts(&expires).is_none_or(|e| e <= time::OffsetDateTime::now_utc()) {
            session::Entity::delete_by_id(hash).exec(&self.db).await?;
            return Ok(None);
        }
        let csrf: String = row.try_get("", "s_csrf_token")?;
        let seq: Option<i64> = row.try_get("", "s_change_seq")?;
        let user = to_user(app_user::Model::from_query_result(&row, "")?);
        Ok((!user.disabled).then(|| (user, csrf, seq.unwrap_or(0))))
    }

    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        session::Entity::delete_by_id(token_hash(token))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
