//! `record_named_unit`: the units each record names besides its reporting unit (co-organisers,
//! sending and receiving units, payees, counties). A named unit sees such records
//! read-only; this table finds them by unit without reading every record's data. It is
//! written in the same transaction as the record itself, so the two never disagree.

use duikou_domain::record::{FieldLookup, fields_from_json_text};

use crate::KindLookup;
use duikou_domain::roles::named_units;
use duikou_domain::schema::RecordKind;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::record;

pub const TABLE: &str = "record_named_unit";

fn t(name: &'static str) -> Alias {
    Alias::new(name)
}

/// Replace the rows of one record (after a create, change or confirmation).
pub(crate) async fn write<C: ConnectionTrait>(
    db: &C,
    id: i64,
    kind: RecordKind,
    reporting_unit: &str,
    fields: &(dyn FieldLookup + Sync),
) -> Result<(), DbErr> {
    let rows = rows_of(id, kind, reporting_unit, fields);
    remove(db, id).await?;
    insert(db, &rows).await
}

/// Remove the rows of one record (before it is deleted).
pub(crate) async fn remove<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), DbErr> {
    let del = Query::delete()
        .from_table(t(TABLE))
        .and_where(Expr::col(t("record_id")).eq(id))
        .to_owned();
    db.execute(&del).await?;
    Ok(())
}

fn rows_of(
    id: i64,
    kind: RecordKind,
    reporting_unit: &str,
    fields: &dyn FieldLookup,
) -> Vec<(i64, String)> {
    named_units(kind, reporting_unit, fields)
        .into_iter()
        .map(|u| (id, u))
        .collect()
}

async fn insert<C: ConnectionTrait>(db: &C, rows: &[(i64, String)]) -> Result<(), DbErr> {
    for part in rows.chunks(500) {
        if part.is_empty() {
            continue;
        }
        let mut ins = Query::insert();
        ins.into_table(t(TABLE))
            .columns([t("record_id"), t("unit")]);
        for (id, u) in part {
            ins.values_panic([(*id).into(), u.clone().into()]);
        }
        db.execute(&ins).await?;
    }
    Ok(())
}

/// Index the records with an id above `after_id` (optionally of one import batch), in
/// id order: the rows an import just wrote, or every record when the table is built.
/// Returns the highest id seen (or `after_id`).
pub(crate) async fn index_after<C: ConnectionTrait>(
    db: &C,
    kinds: &KindLookup,
    batch: Option<i64>,
    mut after_id: i64,
) -> Result<i64, DbErr> {
    loop {
        // Only these columns: the migration adding this table may run before others
        // that add columns to `record`, which the full entity would select.
        let mut sel = record::Entity::find()
            .select_only()
            .column(record::Column::Id)
            .column(record::Column::Kind)
            .column(record::Column::ReportingUnit)
            .column(record::Column::Data)
            .filter(record::Column::Id.gt(after_id));
        if let Some(b) = batch {
            sel = sel.filter(record::Column::ImportBatchId.eq(b));
        }
        let page: Vec<(i64, String, String, String)> = sel
            .order_by_asc(record::Column::Id)
            .limit(2_000)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = page.last().map(|r| r.0) else {
            return Ok(after_id);
        };
        let mut rows = Vec::new();
        for (id, kind, unit, data) in &page {
            let Some(kind) = kinds.get(kind) else {
                continue;
            };
            if let Some(fields) = fields_from_json_text(kind, data) {
                rows.extend(rows_of(*id, kind, unit, &fields));
            }
        }
        insert(db, &rows).await?;
        after_id = last;
    }
}

/// Rebuild the whole table from the records (after a restore).
pub async fn rebuild<C: ConnectionTrait>(db: &C, kinds: &KindLookup) -> Result<(), DbErr> {
    db.execute(&Query::delete().from_table(t(TABLE)).to_owned())
        .await?;
    index_after(db, kinds, None, i64::MIN).await?;
    Ok(())
}

/// The ids of the records naming `unit` (for `record.id IN (…)`).
pub(crate) fn naming(unit: &str) -> SelectStatement {
    Query::select()
        .column(t("record_id"))
        .from(t(TABLE))
        .and_where(Expr::col(t("unit")).eq(unit))
        .to_owned()
}
