//! listPersons and listCustomers: filters, sort orders and keyset pages.

use axum::response::Response;

use crate::http::{Caller, Query, list_response};
use crate::problem::Problem;
use crate::records::{BanStatus, Person, PersonStatus};
use crate::store::{SortField, SortSpec, Tenant, default_spec};
use crate::validate::is_ssn_last4;

/// Case-insensitive match where `*` stands for any run of characters.
fn wildcard(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let v: Vec<char> = value.to_lowercase().chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == v[vi] {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn parse_sort(q: &Query) -> Result<SortSpec, Problem> {
    let Some(items) = q.list("sort_by") else {
        return Ok(default_spec());
    };
    let bad = || {
        Problem::bad_query(
            "sort_by must be a comma-separated list of creation_time, first_name, last_name or \
             last_updated_time, each with :asc or :desc, each field at most once",
        )
    };
    let mut spec: SortSpec = Vec::new();
    for item in items {
        let (f, d) = item.split_once(':').ok_or_else(bad)?;
        let f = SortField::parse(f).ok_or_else(bad)?;
        let desc = match d {
            "asc" => false,
            "desc" => true,
            _ => return Err(bad()),
        };
        if spec.iter().any(|(g, _)| *g == f) {
            return Err(bad());
        }
        spec.push((f, desc));
    }
    Ok(spec)
}

pub(super) async fn list_persons(caller: Caller, q: Query) -> Result<Response, Problem> {
    list_people(&caller, &q, true)
}

pub(super) async fn list_customers(caller: Caller, q: Query) -> Result<Response, Problem> {
    list_people(&caller, &q, false)
}

fn list_people(ctx: &Caller, q: &Query, person: bool) -> Result<Response, Problem> {
    let spec = parse_sort(q)?;
    let limit = q.limit()?;
    let ids = q.uuids("id")?;
    let is_customer = if person {
        q.boolean("is_customer")?
    } else {
        None
    };
    let has_accounts = q.boolean("has_accounts")?;
    if person {
        q.boolean("include_console_users")?;
    }
    let ssn4 = q.get("ssn_last_4");
    if let Some(s) = ssn4
        && !is_ssn_last4(s)
    {
        return Err(Problem::bad_query(
            "ssn_last_4 must be exactly 4 digits (0-9)",
        ));
    }
    let last_name = q.text("last_name")?;
    let first_name = q.text("first_name")?;
    let email = q.text("email")?;
    let phone = q.text("phone_number")?;
    let status = q.one_of("status", PersonStatus::ALL)?;
    let ban = if person {
        q.enumeration("ban_status", BanStatus::ALL)?
    } else {
        None
    };
    let token = q.page_token();

    let keep = |p: &Person| {
        let m = |pat: Option<&str>, v: &Option<String>| {
            pat.is_none_or(|pat| v.as_deref().is_some_and(|v| wildcard(pat, v)))
        };
        is_customer.is_none_or(|b| p.is_customer == b)
            && has_accounts.is_none_or(|b| !b)
            && ssn4.is_none_or(|s| p.ssn_last4().as_deref() == Some(s))
            && m(last_name, &p.last_name)
            && m(email, &p.email)
            && m(phone, &p.phone_number)
            // `chosen_name` is person-only: the customer view has no such field, so a
            // customer listing must not match through it.
            && first_name.is_none_or(|f| {
                m(Some(f), &p.first_name) || (person && m(Some(f), &p.chosen_name))
            })
            && status.is_none_or(|s| p.status == s)
            && ban.as_ref().is_none_or(|s| s.contains(&p.ban_status))
    };
    let render = |t: &Tenant| -> Result<Response, Problem> {
        let page = t.page(&spec, ids.as_deref(), token, limit, keep)?;
        let rows = page.rows.iter().map(|r| r.json(&ctx.name, !person));
        Ok(list_response(
            if person { "persons" } else { "customers" },
            rows,
            page.next,
        ))
    };
    // A new sort order is indexed and paged under one write lock, so it cannot be evicted
    // by other listings in between.
    if ids.is_none() && !ctx.read().has_index(&spec) {
        let mut t = ctx.write();
        t.ensure_index(&spec);
        return render(&t);
    }
    render(&ctx.read())
}
