//! Who may do what: every endpoint of auth and organisations, called by anonymous, a
//! partner, an organiser of another organisation, an organiser of the organisation, and an
//! admin.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{client_login, create_client, create_user, PASSWORD};
use crate::helpers::{spawn_app, TestApp};

const CALLERS: [&str; 5] = ["anonymous", "partner", "other_organiser", "organiser", "admin"];

struct World {
    app: TestApp,
    org: Uuid,
    tokens: HashMap<&'static str, Option<String>>,
}

async fn world() -> World {
    let app = spawn_app().await;
    let org = app.organisation("CEPAIM").await;
    let other = app.organisation("Other").await;
    let tokens = HashMap::from([
        ("anonymous", None),
        ("partner", Some(app.partner_of(org).await)),
        ("other_organiser", Some(app.organiser_of(other).await)),
        ("organiser", Some(app.organiser_of(org).await)),
        ("admin", Some(app.admin().await)),
    ]);
    World { app, org, tokens }
}

impl World {
    /// Calls the endpoint once as each of `CALLERS` and checks the status each gets.
    async fn check(
        &self,
        method: Method,
        path: impl Fn(&str) -> String,
        body: impl Fn(&str) -> Option<Value>,
        expected: [u16; 5],
    ) {
        for (caller, want) in CALLERS.into_iter().zip(expected) {
            let path = path(caller);
            let response = self
                .app
                .send(method.clone(), &path, self.tokens[caller].as_deref(), body(caller).as_ref())
                .await;
            assert_eq!(response.status, want, "{method} {path} as {caller}: {}", response.text);
            match want {
                401 => response.assert_problem(401, "unauthorized"),
                403 => response.assert_problem(403, "forbidden"),
                404 => response.assert_problem(404, "not_found"),
                _ => {}
            }
        }
    }
}

#[actix_web::test]
async fn anyone_may_log_in_and_exchange_a_client_secret() {
    let w = world().await;
    create_user(&w.app, "amina@example.org", "admin", None).await;
    let client = create_client(&w.app, w.tokens["admin"].as_deref().unwrap(), w.org).await;
    let login = |_: &str| Some(json!({"email": "amina@example.org", "password": PASSWORD}));
    w.check(Method::POST, |_| "/api/v1/auth/login".into(), login, [200; 5]).await;
    let secret =
        |_: &str| Some(json!({"client_id": client["client_id"], "client_secret": client["client_secret"]}));
    w.check(Method::POST, |_| "/api/v1/auth/token".into(), secret, [200; 5]).await;
    assert_eq!(client_login(&w.app, &client).await.status, 200);
}

#[actix_web::test]
async fn me_answers_every_token_and_no_anonymous_caller() {
    let w = world().await;
    w.check(Method::GET, |_| "/api/v1/me".into(), |_| None, [401, 200, 200, 200, 200]).await;
    for (caller, role, kind) in
        [("partner", "partner", "api_client"), ("organiser", "organiser", "user"), ("admin", "admin", "user")]
    {
        let me = w.app.get("/api/v1/me", w.tokens[caller].as_deref()).await;
        assert_eq!(
            (me.body["role"].as_str(), me.body["kind"].as_str()),
            (Some(role), Some(kind)),
            "{caller}"
        );
    }
}

#[actix_web::test]
async fn only_admins_create_organisations() {
    let w = world().await;
    let body = |caller: &str| Some(json!({"name": format!("Organisation of {caller}"), "kind": "ngo"}));
    w.check(Method::POST, |_| "/api/v1/organisations".into(), body, [401, 403, 403, 403, 201]).await;
}

#[actix_web::test]
async fn admins_and_organisers_list_organisations() {
    let w = world().await;
    w.check(Method::GET, |_| "/api/v1/organisations".into(), |_| None, [401, 403, 200, 200, 200]).await;
}

#[actix_web::test]
async fn only_admins_create_users() {
    let w = world().await;
    let org = w.org;
    let body = |caller: &str| {
        Some(json!({"email": format!("{caller}@example.org"), "password": PASSWORD,
                    "role": "organiser", "organisation_id": org}))
    };
    w.check(Method::POST, |_| "/api/v1/users".into(), body, [401, 403, 403, 403, 201]).await;
}

#[actix_web::test]
async fn admins_and_the_organisations_organisers_create_and_list_its_clients() {
    let w = world().await;
    let path = |_: &str| format!("/api/v1/organisations/{}/api-clients", w.org);
    let body = |caller: &str| Some(json!({"name": format!("Tablet of {caller}")}));
    w.check(Method::POST, path, body, [401, 403, 403, 201, 201]).await;
    w.check(Method::GET, path, |_| None, [401, 403, 403, 200, 200]).await;
}

#[actix_web::test]
async fn admins_and_the_organisations_organisers_revoke_its_clients() {
    let w = world().await;
    let admin = w.tokens["admin"].as_deref().unwrap();
    let mut clients = HashMap::new();
    for caller in CALLERS {
        clients.insert(caller, create_client(&w.app, admin, w.org).await);
    }
    let path = |caller: &str| {
        format!("/api/v1/organisations/{}/api-clients/{}", w.org, clients[caller]["id"].as_str().unwrap())
    };
    w.check(Method::DELETE, path, |_| None, [401, 403, 403, 204, 204]).await;
    for caller in ["anonymous", "partner", "other_organiser"] {
        assert_eq!(client_login(&w.app, &clients[caller]).await.status, 200, "{caller} revoked nothing");
    }
}

#[actix_web::test]
async fn the_clients_of_an_unknown_organisation_are_404_to_staff() {
    let w = world().await;
    let unknown = Uuid::now_v7();
    let clients = |_: &str| format!("/api/v1/organisations/{unknown}/api-clients");
    let body = |_: &str| Some(json!({"name": "Tablet"}));
    w.check(Method::POST, clients, body, [401, 403, 404, 404, 404]).await;
    w.check(Method::GET, clients, |_| None, [401, 403, 404, 404, 404]).await;
    let one = |_: &str| format!("/api/v1/organisations/{unknown}/api-clients/{}", Uuid::now_v7());
    w.check(Method::DELETE, one, |_| None, [401, 403, 404, 404, 404]).await;
    let not_a_uuid = |_: &str| "/api/v1/organisations/not-a-uuid/api-clients".to_owned();
    w.check(Method::GET, not_a_uuid, |_| None, [401, 404, 404, 404, 404]).await;
}
