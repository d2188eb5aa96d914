//! The loaded plan: its source is kept whole; units and pairings are also laid out
//! as rows so that other tools can query them.

use duikou_domain::plan::{Plan, TownRole};
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};

use crate::audit::{self, AuditEvent};
use crate::entities::{county_pairing, plan, unit};
use crate::{Store, StoreError, now_text};

fn enum_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl Store {
    /// Replace the active plan by this one (validated already).
    pub async fn load_plan(
        &self,
        plan: &Plan,
        source: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        audit::lock_head(&txn).await?;
        let previous = plan::Entity::find().all(&txn).await?;
        plan::Entity::delete_many().exec(&txn).await?;
        unit::Entity::delete_many().exec(&txn).await?;
        county_pairing::Entity::delete_many().exec(&txn).await?;
        plan::ActiveModel {
            id: Set(plan.meta.id.clone()),
            title: Set(plan.meta.title.clone()),
            source: Set(source.to_string()),
            loaded_at: Set(now_text()),
        }
        .insert(&txn)
        .await?;
        let units: Vec<unit::ActiveModel> = plan
            .units
            .iter()
            .map(|u| unit::ActiveModel {
                name: Set(u.name.clone()),
                kind: Set(enum_text(&u.kind)),
                side: Set(enum_text(&u.side)),
                code: Set(u.code.clone()),
                town_role: Set(u.town_role.map(|r| enum_text(&r))),
                ..Default::default()
            })
            .collect();
        unit::Entity::insert_many(units)
            .exec_without_returning(&txn)
            .await?;
        let mut pairs = Vec::new();
        for p in &plan.pairings {
            pairs.push((p.county.clone(), p.lead.clone(), TownRole::Lead));
            pairs.extend(
                p.assisting
                    .iter()
                    .map(|a| (p.county.clone(), a.clone(), TownRole::Assisting)),
            );
        }
        let pairs: Vec<county_pairing::ActiveModel> = pairs
            .into_iter()
            .map(|(county, town, role)| county_pairing::ActiveModel {
                county: Set(county),
                town: Set(town),
                town_role: Set(enum_text(&role)),
                ..Default::default()
            })
            .collect();
        county_pairing::Entity::insert_many(pairs)
            .exec_without_returning(&txn)
            .await?;
        let summary = serde_json::json!({
            "id": plan.meta.id, "title": plan.meta.title, "units": plan.units.len(),
            "pairings": plan.pairings.len(), "items": plan.items.len(), "indicators": plan.indicators.len(),
        });
        let mut ev = AuditEvent::new(actor, "plan.load", "plan", &plan.meta.id).after(&summary);
        if let Some(prev) = previous.first() {
            ev = ev.before(&serde_json::json!({ "id": prev.id, "title": prev.title }));
        }
        audit::append(&txn, &[ev]).await?;
        txn.commit().await?;
        self.use_kinds(plan.kinds());
        Ok(())
    }

    /// The active plan's source text, if one is loaded.
    pub async fn plan_source(&self) -> Result<Option<(String, String)>, StoreError> {
        Ok(plan::Entity::find()
            .one(&self.db)
            .await?
            .map(|p| (p.id, p.source)))
    }

    /// The active plan, parsed.
    pub async fn plan(&self) -> Result<Option<Plan>, StoreError> {
        let Some((id, source)) = self.plan_source().await? else {
            return Ok(None);
        };
        let plan = Plan::from_toml(&source, &format!("plan {id} (database)"))
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        self.use_kinds(plan.kinds());
        Ok(Some(plan))
    }
}
