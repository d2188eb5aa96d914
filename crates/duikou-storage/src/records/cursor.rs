//! Reading a whole list, page after page, in the list's own order: what an export of
//! "exactly this list" walks.
//!
//! In id order (the default) the cursor is the last id read (keyset paging: each page is
//! an index walk, a million rows never sit in memory). Sorted by anything else, the ids
//! are read once in that order — eight bytes a row, the sort done once by the database —
//! and the records fetched by id, a page at a time.

use duikou_domain::ids::RecordId;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::listing::{SortColumn, effective_sort};
use super::{RecordQuery, StoredRecord, to_stored};
use crate::entities::record;
use crate::{Store, StoreError};

/// Where a walk through a list has got to.
#[derive(Debug, Clone)]
pub struct RecordCursor {
    q: RecordQuery,
    at: At,
}

#[derive(Debug, Clone)]
enum At {
    Start,
    /// Id order: the last id read.
    Id(i64),
    /// Any other order: every id, and how many were read.
    Ids(Vec<i64>, usize),
    End,
}

impl RecordCursor {
    /// The start of the list `q` selects (its paging aside), in its order.
    pub fn new(q: RecordQuery) -> RecordCursor {
        RecordCursor { q, at: At::Start }
    }
}

impl Store {
    /// The next records of the list, at most `limit`; empty at its end.
    pub async fn next_records(
        &self,
        cursor: &mut RecordCursor,
        limit: u64,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let sort = effective_sort(&cursor.q);
        let limit = limit.max(1);
        if matches!(cursor.at, At::Start) && sort.column != SortColumn::Id {
            let ids: Vec<i64> = self
                .ordered(self.selected(&cursor.q), sort)
                .select_only()
                .column(record::Column::Id)
                .into_tuple()
                .all(&self.db)
                .await?;
            cursor.at = At::Ids(ids, 0);
        }
        let page = match &mut cursor.at {
            At::End => return Ok(Vec::new()),
            At::Ids(ids, read) => {
                // Records deleted since the ids were read are skipped, not taken for the end.
                let mut page = Vec::new();
                while page.is_empty() && *read < ids.len() {
                    let part: Vec<i64> =
                        ids[*read..].iter().take(limit as usize).copied().collect();
                    *read += part.len();
                    page = self.in_this_order(&part).await?;
                }
                page
            }
            At::Start | At::Id(_) => {
                let mut sel = self.selected(&cursor.q);
                if let At::Id(last) = cursor.at {
                    sel = if sort.descending {
                        sel.filter(record::Column::Id.lt(last))
                    } else {
                        sel.filter(record::Column::Id.gt(last))
                    };
                }
                let sel = if sort.descending {
                    sel.order_by_desc(record::Column::Id)
                } else {
                    sel.order_by_asc(record::Column::Id)
                };
                let lookup = self.kinds();
                let rows: Vec<StoredRecord> = sel
                    .limit(limit)
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .filter_map(|m| to_stored(&lookup, m))
                    .collect();
                if let Some(last) = rows.last() {
                    cursor.at = At::Id(last.id.0);
                }
                rows
            }
        };
        if page.is_empty() {
            cursor.at = At::End;
        }
        Ok(page)
    }

    /// The records of these ids, in the order given (those since deleted left out).
    async fn in_this_order(&self, ids: &[i64]) -> Result<Vec<StoredRecord>, StoreError> {
        let asked: Vec<RecordId> = ids.iter().copied().map(RecordId).collect();
        let mut by_id: HashMap<i64, StoredRecord> = self
            .records_by_ids(&asked)
            .await?
            .into_iter()
            .map(|r| (r.id.0, r))
            .collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}
