//! The audit trail: an append-only hash chain. Each entry carries the hash of the
//! one before it; `verify` recomputes every link and names the first broken entry.

use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::entities::{audit_head, audit_log};
use crate::now_text;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is written.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON of the state before and after; personal data already masked by the caller.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditEvent {
    pub fn new(actor: &str, action: &str, entity: &str, entity_id: impl ToString) -> Self {
        AuditEvent {
            actor: actor.to_string(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }
    pub fn before(mut self, v: &serde_json::Value) -> Self {
        self.before = Some(v.to_string());
        self
    }
    pub fn after(mut self, v: &serde_json::Value) -> Self {
        self.after = Some(v.to_string());
        self
    }
}

fn entry_hash(prev: &str, seq: i64, at: &str, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        &e.actor,
        &e.action,
        &e.entity,
        &e.entity_id,
        e.before.as_deref().unwrap_or("\u{0}"),
        e.after.as_deref().unwrap_or("\u{0}"),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Take the chain's head for this transaction. Must be the first write of every
/// writing transaction: on SQLite it takes the write lock, on PostgreSQL the row lock,
/// so concurrent writers queue instead of forking the chain.
pub async fn lock_head<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let stmt = sea_orm::sea_query::Query::update()
        .table(audit_head::Entity)
        .value(audit_head::Column::Id, 1)
        .and_where(sea_orm::sea_query::Expr::col(audit_head::Column::Id).eq(1))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Append events after `lock_head` in the same transaction.
pub async fn append<C: ConnectionTrait>(db: &C, events: &[AuditEvent]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head".into()))?;
    let mut seq = head.seq;
    let mut prev = head.hash.clone();
    let at = now_text();
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let hash = entry_hash(&prev, seq, &at, e);
        rows.push(audit_log::ActiveModel {
            seq: Set(seq),
            at: Set(at.clone()),
            actor: Set(e.actor.clone()),
            action: Set(e.action.clone()),
            entity: Set(e.entity.clone()),
            entity_id: Set(e.entity_id.clone()),
            before: Set(e.before.clone()),
            after: Set(e.after.clone()),
            prev_hash: Set(prev.clone()),
            hash: Set(hash.clone()),
        });
        prev = hash;
    }
    for chunk in rows.chunks(500) {
        audit_log::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let mut h: audit_head::ActiveModel = head.into();
    h.seq = Set(seq);
    h.hash = Set(prev);
    h.update(db).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ChainProblem {
    /// The entry's content no longer gives its hash: altered.
    Altered { seq: i64 },
    /// The entry does not point at the one before it: inserted or reordered.
    BrokenLink { seq: i64 },
    /// A sequence number is missing: removed.
    Missing { expected: i64, found: i64 },
    /// The chain ends before the recorded head: entries removed at the end.
    Truncated { head_seq: i64, last_seq: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Altered { seq } => write!(
                f,
                "第 {seq} 条审计记录被篡改 / audit entry {seq} was altered"
            ),
            ChainProblem::BrokenLink { seq } => write!(
                f,
                "第 {seq} 条审计记录与上一条不衔接（插入或重排） / audit entry {seq} does not link to the previous one (inserted or reordered)"
            ),
            ChainProblem::Missing { expected, found } => write!(
                f,
                "缺少第 {expected} 条审计记录（下一条为 {found}） / audit entry {expected} is missing (next is {found})"
            ),
            ChainProblem::Truncated { head_seq, last_seq } => write!(
                f,
                "审计链在第 {last_seq} 条结束，但应有 {head_seq} 条 / the chain ends at {last_seq} but the head says {head_seq}"
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    pub entries: u64,
    pub problem: Option<ChainProblem>,
}

/// Walk the whole chain in order; stop at the first problem.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<ChainReport, DbErr> {
    let head = audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head".into()))?;
    let mut pages = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .paginate(db, 5000);
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    let mut entries = 0u64;
    while let Some(page) = pages.fetch_and_next().await? {
        for row in page {
            entries += 1;
            if row.seq != expected_seq {
                return Ok(ChainReport {
                    entries,
                    problem: Some(ChainProblem::Missing {
                        expected: expected_seq,
                        found: row.seq,
                    }),
                });
            }
            if row.prev_hash != prev {
                return Ok(ChainReport {
                    entries,
                    problem: Some(ChainProblem::BrokenLink { seq: row.seq }),
                });
            }
            let e = AuditEvent {
                actor: row.actor,
                action: row.action,
                entity: row.entity,
                entity_id: row.entity_id,
                before: row.before,
                after: row.after,
            };
            let hash = entry_hash(&prev, row.seq, &row.at, &e);
            if hash != row.hash {
                return Ok(ChainReport {
                    entries,
                    problem: Some(ChainProblem::Altered { seq: row.seq }),
                });
            }
            prev = hash;
            expected_seq += 1;
        }
    }
    let last = expected_seq - 1;
    if last != head.seq || (last > 0 && prev != head.hash) {
        return Ok(ChainReport {
            entries,
            problem: Some(ChainProblem::Truncated {
                head_seq: head.seq,
                last_seq: last,
            }),
        });
    }
    Ok(ChainReport {
        entries,
        problem: None,
    })
}

/// Which entries to read: every part that is set must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// An action's code (`record.approve`), or a family of them (`record.`).
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Stored times (`format_ts`, UTC), from this one on.
    pub since: Option<String>,
    /// Stored times before this one.
    pub before: Option<String>,
}

impl AuditFilter {
    fn condition(&self) -> sea_orm::Condition {
        use sea_orm::ColumnTrait;
        let mut c = sea_orm::Condition::all();
        if let Some(a) = &self.actor {
            c = c.add(audit_log::Column::Actor.eq(a.as_str()));
        }
        match self.action.as_deref() {
            Some(family) if family.ends_with('.') => {
                c = c.add(audit_log::Column::Action.starts_with(family));
            }
            Some(code) => c = c.add(audit_log::Column::Action.eq(code)),
            None => {}
        }
        if let Some(e) = &self.entity {
            c = c.add(audit_log::Column::Entity.eq(e.as_str()));
        }
        if let Some(id) = &self.entity_id {
            c = c.add(audit_log::Column::EntityId.eq(id.as_str()));
        }
        if let Some(t) = &self.since {
            c = c.add(audit_log::Column::At.gte(t.as_str()));
        }
        if let Some(t) = &self.before {
            c = c.add(audit_log::Column::At.lt(t.as_str()));
        }
        c
    }
}

/// One page of the entries that match, newest first: how many match in all, the page
/// given (the one asked for, within 1 and the last page), and its entries.
pub async fn entries<C: ConnectionTrait>(
    db: &C,
    filter: &AuditFilter,
    page: u64,
    per_page: u64,
) -> Result<(u64, u64, Vec<audit_log::Model>), DbErr> {
    use sea_orm::QueryFilter;
    let per_page = Ord::max(per_page, 1);
    let pages = audit_log::Entity::find()
        .filter(filter.condition())
        .order_by_desc(audit_log::Column::Seq)
        .paginate(db, per_page);
    let total = pages.num_items().await?;
    // Within the pages there are: a page past the end (or one whose offset would
    // overflow) shows the last.
    let page = page.clamp(1, Ord::max(total.div_ceil(per_page), 1));
    let rows = pages.fetch_page(page - 1).await?;
    Ok((total, page, rows))
}

/// The actions and the actors the trail holds, each once, sorted: what a filter can offer.
pub async fn vocabulary<C: ConnectionTrait>(db: &C) -> Result<(Vec<String>, Vec<String>), DbErr> {
    use sea_orm::{QuerySelect, sea_query::Expr};
    let distinct = |col: audit_log::Column| {
        audit_log::Entity::find()
            .select_only()
            .column(col)
            .distinct()
            .order_by_asc(Expr::col(col))
            .into_tuple::<String>()
    };
    let actions = distinct(audit_log::Column::Action).all(db).await?;
    let actors = distinct(audit_log::Column::Actor).all(db).await?;
    Ok((actions, actors))
}
