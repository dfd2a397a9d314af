//! Pages of a tenant's webhooks and events, in creation order, with the store's sealed tokens.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::{Page, StoreError, Tenant};
use crate::webhooks::records::{Event, Webhook};

impl Tenant {
    /// One page of webhooks after `token`, holding those that pass `keep`.
    pub fn webhook_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Webhook) -> bool,
    ) -> Result<Page<'_, Webhook>, StoreError> {
        self.seq_page(&self.webhooks.hooks, "webhooks", token, limit, keep)
    }

    /// One page of events in the order raised after `token`, holding those that pass `keep`.
    pub fn event_page(
        &self,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&Event) -> bool,
    ) -> Result<Page<'_, Event>, StoreError> {
        self.seq_page(&self.webhooks.events, "webhook_events", token, limit, keep)
    }

    fn seq_page<'a, T>(
        &self,
        items: &'a BTreeMap<u64, T>,
        kind: &str,
        token: Option<&str>,
        limit: usize,
        keep: impl Fn(&T) -> bool,
    ) -> Result<Page<'a, T>, StoreError> {
        let after = token
            .map(|t| self.tokens.open_seq_token(self.generation, kind, t))
            .transpose()?;
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rows: Vec<(u64, &T)> = Vec::new();
        for (seq, item) in items.range((start, Bound::Unbounded)) {
            if keep(item) {
                rows.push((*seq, item));
                if rows.len() > limit {
                    break;
                }
            }
        }
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last()
                .map(|(s, _)| self.tokens.seq_token(self.generation, kind, *s))
        } else {
            None
        };
        Ok(Page {
            rows: rows.into_iter().map(|(_, t)| t).collect(),
            next,
        })
    }
}
