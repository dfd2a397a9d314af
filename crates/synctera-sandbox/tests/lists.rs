//! Lists: filters, wildcards, sorting, limits and keyset page tokens.
mod common;

use std::collections::HashSet;

use common::*;
use serde_json::{Value, json};

async fn names(api: &Api, query: &str) -> Vec<String> {
    let r = api.get(&format!("/persons?{query}")).await;
    r.expect(200)["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["first_name"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn seed(api: &Api) -> Vec<String> {
    let rows = [
        (
            "Anne",
            "Baker",
            Some("Annie"),
            "anne@example.com",
            "+12125550001",
            "111-11-1001",
            "ACTIVE",
            true,
        ),
        (
            "Bob",
            "Smith",
            None,
            "bob@corp.test",
            "+12125550002",
            "111-11-1002",
            "FROZEN",
            true,
        ),
        (
            "Carla",
            "Baker",
            None,
            "carla@example.com",
            "+14155550003",
            "111-11-1003",
            "ACTIVE",
            false,
        ),
        (
            "Dan",
            "Adams",
            Some("Danny"),
            "dan@corp.test",
            "+14155550004",
            "111-11-1004",
            "INACTIVE",
            true,
        ),
    ];
    let mut ids = Vec::new();
    for (f, l, chosen, e, ph, ssn, st, cust) in rows {
        let mut b = json!({"status": st, "is_customer": cust, "first_name": f, "last_name": l, "email": e, "phone_number": ph, "ssn": ssn});
        if let Some(c) = chosen {
            b["chosen_name"] = json!(c);
        }
        ids.push(api.post("/persons", b).await.id());
    }
    ids
}

#[tokio::test]
async fn filters_and_wildcards() {
    let api = Api::new().await;
    let ids = seed(&api).await;
    assert_eq!(names(&api, "").await, ["Anne", "Bob", "Carla", "Dan"]);
    assert_eq!(names(&api, "last_name=Baker").await, ["Anne", "Carla"]);
    assert_eq!(names(&api, "last_name=bak*").await, ["Anne", "Carla"]);
    assert_eq!(names(&api, "email=*%40corp.test").await, ["Bob", "Dan"]);
    assert_eq!(names(&api, "phone_number=%2B1415*").await, ["Carla", "Dan"]);
    // first_name also matches chosen_name.
    assert_eq!(names(&api, "first_name=Danny").await, ["Dan"]);
    assert_eq!(names(&api, "first_name=Ann*").await, ["Anne"]);
    assert_eq!(
        names(&api, "first_name=*a*").await,
        ["Anne", "Carla", "Dan"]
    );
    assert_eq!(names(&api, "ssn_last_4=1002").await, ["Bob"]);
    assert_eq!(names(&api, "status=ACTIVE").await, ["Anne", "Carla"]);
    assert_eq!(names(&api, "is_customer=false").await, ["Carla"]);
    assert_eq!(names(&api, "ban_status=ALLOWED,SUSPENDED").await.len(), 4);
    assert!(names(&api, "ban_status=BANNED").await.is_empty());
    assert!(names(&api, "has_accounts=true").await.is_empty());
    assert_eq!(
        names(&api, "has_accounts=false&include_console_users=true")
            .await
            .len(),
        4
    );
    assert_eq!(
        names(&api, &format!("id={},{}", ids[3], ids[1])).await,
        ["Bob", "Dan"]
    );
    assert_eq!(
        names(&api, "last_name=Baker&status=ACTIVE&is_customer=true").await,
        ["Anne"]
    );
    // Customers: the same filters minus the person-only ones.
    let r = api.get("/customers?last_name=Baker&first_name=Carla").await;
    let c = r.expect(200)["customers"].as_array().unwrap().clone();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["ssn"], "1003");
    assert!(c[0].get("kyc_status").is_some());
    // chosen_name is person-only: a customer listing matches first_name alone.
    let r = api.get("/customers?first_name=Danny").await;
    assert_eq!(r.expect(200)["customers"].as_array().unwrap().len(), 0);
    let r = api.get("/customers?first_name=Dan").await;
    let c = r.expect(200)["customers"].as_array().unwrap().clone();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["first_name"], "Dan");
}

#[tokio::test]
async fn sort_by_one_and_several_keys() {
    let api = Api::new().await;
    seed(&api).await;
    assert_eq!(
        names(&api, "sort_by=first_name:desc").await,
        ["Dan", "Carla", "Bob", "Anne"]
    );
    assert_eq!(
        names(&api, "sort_by=creation_time:desc").await,
        ["Dan", "Carla", "Bob", "Anne"]
    );
    assert_eq!(
        names(&api, "sort_by=last_name:asc,first_name:desc").await,
        ["Dan", "Carla", "Anne", "Bob"]
    );
    assert_eq!(
        names(&api, "sort_by=last_name:desc,creation_time:asc").await,
        ["Bob", "Anne", "Carla", "Dan"]
    );
    // An update moves a row in last_updated_time order.
    let first = api.get("/persons?first_name=Anne").await.body["persons"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.patch(&format!("/persons/{first}"), json!({"middle_name": "M"}))
        .await
        .expect(200);
    assert_eq!(
        names(&api, "sort_by=last_updated_time:desc").await[0],
        "Anne"
    );
    for bad in [
        "sort_by=age:asc",
        "sort_by=first_name",
        "sort_by=first_name:up",
        "sort_by=first_name:asc,first_name:desc",
    ] {
        api.get(&format!("/persons?{bad}"))
            .await
            .problem(400, "BAD_QUERY_PARAMETER");
    }
}

#[tokio::test]
async fn limit_rules() {
    let api = Api::new().await;
    for i in 0..105 {
        api.post(
            "/persons",
            json!({"status": "PROSPECT", "is_customer": true, "first_name": format!("P{i:03}")}),
        )
        .await
        .expect(201);
    }
    let r = api.get("/persons").await;
    assert_eq!(r.body["persons"].as_array().unwrap().len(), 100);
    assert!(r.body["next_page_token"].is_string());
    let r = api.get("/persons?limit=1000").await;
    assert_eq!(r.body["persons"].as_array().unwrap().len(), 100);
    let r = api.get("/persons?limit=99999999999999999999999").await;
    assert_eq!(r.body["persons"].as_array().unwrap().len(), 100);
    assert_eq!(
        api.get("/persons?limit=3").await.body["persons"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    for bad in ["0", "-1", "abc", "1.5", ""] {
        let d = api
            .get(&format!("/persons?limit={bad}"))
            .await
            .problem(400, "BAD_QUERY_PARAMETER");
        assert!(d.contains("limit"), "{d}");
    }
}

async fn page_all(api: &Api, path: &str, limit: usize, list: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        if let Some(t) = &token {
            url.push_str(&format!("&page_token={t}"));
        }
        let r = api.get(&url).await;
        let rows = r.expect(200)[list].as_array().unwrap().clone();
        assert!(rows.len() <= limit);
        out.extend(rows);
        match r.body.get("next_page_token") {
            Some(t) => token = Some(t.as_str().unwrap().to_string()),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn next_page_token_absent_on_last_page() {
    let api = Api::new().await;
    for _ in 0..6 {
        api.create_active("A", "B").await;
    }
    let r = api.get("/persons?limit=3").await;
    let t = r.body["next_page_token"].as_str().unwrap().to_string();
    let r2 = api.get(&format!("/persons?limit=3&page_token={t}")).await;
    assert_eq!(r2.body["persons"].as_array().unwrap().len(), 3);
    assert!(r2.body.get("next_page_token").is_none(), "{}", r2.body);
    assert_eq!(page_all(&api, "/persons", 6, "persons").await.len(), 6);
    assert!(
        api.get("/persons?limit=6")
            .await
            .body
            .get("next_page_token")
            .is_none()
    );
}

#[tokio::test]
async fn bad_page_tokens_are_400() {
    let api = Api::new().await;
    for _ in 0..3 {
        api.create_active("A", "B").await;
    }
    let t = api.get("/persons?limit=1").await.body["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in ["garbage!!", "eyJ4IjoxfQ", &"A".repeat(5000)] {
        api.get(&format!("/persons?page_token={bad}"))
            .await
            .problem(400, "BAD_QUERY_PARAMETER");
    }
    // A token belongs to its sort order.
    api.get(&format!("/persons?sort_by=last_name:asc&page_token={t}"))
        .await
        .problem(400, "BAD_QUERY_PARAMETER");
    // And to its listing.
    api.get(&format!("/disclosures?page_token={t}"))
        .await
        .problem(400, "BAD_QUERY_PARAMETER");
}

#[tokio::test]
async fn paging_under_concurrent_inserts_skips_and_repeats_nothing() {
    let api = Api::new().await;
    let mut before = HashSet::new();
    for i in 0..60 {
        let r = api
            .post("/persons", json!({"status": "PROSPECT", "is_customer": true, "first_name": format!("N{i:02}"), "last_name": "Zed"}))
            .await;
        before.insert(r.id());
    }
    for sort in [
        "",
        "?sort_by=first_name:asc",
        "?sort_by=creation_time:desc",
        "?sort_by=last_name:asc,first_name:desc",
    ] {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        let mut inserted = 0;
        loop {
            let sep = if sort.is_empty() { '?' } else { '&' };
            let mut url = format!("/persons{sort}{sep}limit=7");
            if let Some(t) = &token {
                url.push_str(&format!("&page_token={t}"));
            }
            let r = api.get(&url).await;
            for p in r.body["persons"].as_array().unwrap() {
                seen.push(p["id"].as_str().unwrap().to_string());
            }
            // Between pages, other clients insert rows that sort before and after the cursor.
            for name in ["A-early", "z-late"] {
                api.post(
                    "/persons",
                    json!({"status": "PROSPECT", "is_customer": true, "first_name": name}),
                )
                .await
                .expect(201);
                inserted += 1;
            }
            match r.body.get("next_page_token") {
                Some(t) => token = Some(t.as_str().unwrap().to_string()),
                None => break,
            }
        }
        let unique: HashSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{sort}: a row was repeated");
        assert!(
            before.is_subset(&unique),
            "{sort}: a row that existed before paging was skipped"
        );
        assert!(inserted > 0);
    }
}

#[tokio::test]
async fn list_tokens_for_disclosures_and_verifications() {
    let api = Api::new().await;
    let p = api.create_kyc_ready("222-33-4444").await.id();
    for i in 0..5 {
        api.post(
            "/disclosures",
            json!({"person_id": p, "type": "E_SIGN", "version": format!("1.{i}"), "event_type": "VIEWED", "disclosure_date": "2024-01-02T03:04:05Z"}),
        )
        .await
        .expect(201);
    }
    let all = page_all(&api, "/disclosures", 2, "disclosures").await;
    let versions: Vec<&str> = all.iter().map(|d| d["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["1.0", "1.1", "1.2", "1.3", "1.4"]);
    for _ in 0..3 {
        api.post(
            "/verifications/verify",
            json!({"customer_consent": true, "person_id": p}),
        )
        .await
        .expect(201);
    }
    assert_eq!(
        page_all(
            &api,
            "/verifications?include_history=true",
            4,
            "verifications"
        )
        .await
        .len(),
        6
    );
    assert_eq!(
        page_all(&api, "/verifications", 1, "verifications")
            .await
            .len(),
        2
    );
}

/// A keyset token carries the last row's sort values; sealed, it shows none of them and a
/// tampered token is refused rather than trusted.
#[tokio::test]
async fn page_tokens_are_opaque_and_tamper_proof() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let api = Api::new().await;
    for last in ["Zebediah", "Quimby"] {
        api.create_active("Ann", last).await.expect(201);
    }
    let first = api.get("/persons?sort_by=last_name:asc&limit=1").await;
    let token = first.expect(200)["next_page_token"]
        .as_str()
        .expect("a second page")
        .to_string();
    let raw = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
    let text = String::from_utf8_lossy(&raw).to_lowercase();
    assert!(
        !text.contains("quimby") && !text.contains("last_name"),
        "{text}"
    );
    let second = api
        .get(&format!(
            "/persons?sort_by=last_name:asc&limit=1&page_token={token}"
        ))
        .await;
    assert_eq!(second.expect(200)["persons"][0]["last_name"], "Zebediah");
    let mut bytes = raw.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let forged = URL_SAFE_NO_PAD.encode(&bytes);
    api.get(&format!(
        "/persons?sort_by=last_name:asc&limit=1&page_token={forged}"
    ))
    .await
    .problem(400, "BAD_QUERY_PARAMETER");
}

/// More distinct sort orders than the sandbox keeps indexes for: each one still lists in the
/// right order, and a token issued before its index was evicted still continues its listing.
#[tokio::test]
async fn many_distinct_sort_orders_all_page_correctly() {
    let api = Api::new().await;
    seed(&api).await;
    let fields = [
        "creation_time",
        "first_name",
        "last_name",
        "last_updated_time",
    ];
    let mut orders = Vec::new();
    for a in fields {
        for b in fields {
            for (da, db) in [
                ("asc", "asc"),
                ("asc", "desc"),
                ("desc", "asc"),
                ("desc", "desc"),
            ] {
                if a != b {
                    orders.push(format!("{a}:{da},{b}:{db}"));
                }
            }
        }
    }
    assert!(orders.len() > 40);
    let first = api
        .get(&format!("/persons?sort_by={}&limit=2", orders[0]))
        .await;
    let token = first.expect(200)["next_page_token"]
        .as_str()
        .unwrap()
        .to_string();
    let first_page: Vec<String> = first.body["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["first_name"].as_str().unwrap().to_string())
        .collect();
    for order in &orders {
        let whole = names(&api, &format!("sort_by={order}")).await;
        assert_eq!(whole.len(), 4, "{order}");
        // Paged two at a time, the same rows in the same order.
        let mut paged = Vec::new();
        let mut q = format!("sort_by={order}&limit=2");
        loop {
            let r = api.get(&format!("/persons?{q}")).await;
            let body = r.expect(200);
            paged.extend(
                body["persons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["first_name"].as_str().unwrap().to_string()),
            );
            match body["next_page_token"].as_str() {
                Some(t) => q = format!("sort_by={order}&limit=2&page_token={t}"),
                None => break,
            }
        }
        assert_eq!(paged, whole, "{order}");
    }
    let rest = api
        .get(&format!(
            "/persons?sort_by={}&limit=2&page_token={token}",
            orders[0]
        ))
        .await;
    let mut all = first_page;
    all.extend(
        rest.expect(200)["persons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["first_name"].as_str().unwrap().to_string()),
    );
    assert_eq!(all, names(&api, &format!("sort_by={}", orders[0])).await);
}

/// A repeated parameter is refused, not read as its last value: `?id=a&id=b` answered with b
/// alone looks like a complete answer to a client that meant both (the spec's form is `?id=a,b`).
#[tokio::test]
async fn a_repeated_query_parameter_is_400_naming_it() {
    let api = Api::new().await;
    let ids = seed(&api).await;
    assert_eq!(
        names(&api, &format!("id={},{}", ids[0], ids[1])).await,
        ["Anne", "Bob"]
    );
    let twenty: String = (0..20).map(|i| format!("p{i}=x&")).collect();
    for (query, name) in [
        (format!("id={}&id={}", ids[0], ids[1]), "id"),
        ("status=PROSPECT&status=ACTIVE".to_string(), "status"),
        ("limit=x&limit=1".to_string(), "limit"),
        ("limit=1&limit=1".to_string(), "limit"),
        // Past the short-query path: the check still finds the repeat.
        (format!("{twenty}p3=y"), "p3"),
    ] {
        for list in ["/persons", "/customers"] {
            let d = api
                .get(&format!("{list}?{query}"))
                .await
                .problem(400, "BAD_QUERY_PARAMETER");
            assert!(
                d.starts_with(&format!("{name} is given more than once")),
                "{d}"
            );
            assert!(d.contains("comma-separated"), "{d}");
        }
    }
    let d = api
        .get("/disclosures?person_id=a&person_id=b")
        .await
        .problem(400, "BAD_QUERY_PARAMETER");
    assert!(d.starts_with("person_id "), "{d}");
    // A name that may be data typed into the wrong place is not echoed.
    let d = api
        .get("/persons?123-45-6789=1&123-45-6789=2")
        .await
        .problem(400, "BAD_QUERY_PARAMETER");
    assert!(!d.contains("6789"), "{d}");
}
