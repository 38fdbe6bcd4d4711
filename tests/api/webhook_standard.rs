//! Deliveries signed by the Standard Webhooks specification, checked by a receiver as partners
//! check them: recomputed here in Rust, and verified by the official Python library
//! (`standardwebhooks`, installed by `.ci/run`), for new secrets and for secrets handed out
//! before the standard headers. `X-Signature` stays on every post.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use diesel_async::RunQueryDsl;
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::{participant, published_event, registered};
use crate::receiver::{Received, Receiver};
use crate::webhook_delivery::{one_seat, spawn_app, subscribe};

/// A secret in the form handed out before the standard headers: `whsec_` and 64 hex digits.
const OLD_SECRET: &str = "whsec_6f1d0c3a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f1e";

/// Verifies `post` with `standardwebhooks.Webhook(secret).verify(body, headers)` and checks
/// that the same headers do not verify a changed body; returns the verified message's `id`.
const VERIFY: &str = r#"
import json, sys
from standardwebhooks import Webhook, WebhookVerificationError
given = json.load(open(sys.argv[1]))
hook = Webhook(given["secret"])
message = hook.verify(given["body"].encode(), given["headers"])
try:
    hook.verify((given["body"] + " ").encode(), given["headers"])
    sys.exit("a changed body verified")
except WebhookVerificationError:
    pass
print(message["id"])
"#;

fn python_has_standardwebhooks() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// What Python's `standardwebhooks` says of `post`: the verified message's `id`, or why not.
async fn verified_by_python(post: &Received, secret: &str) -> Result<String, String> {
    let given = json!({
        "secret": secret,
        "body": String::from_utf8(post.body.clone()).expect("a webhook body is UTF-8"),
        "headers": post.headers,
    });
    let file = std::env::temp_dir().join(format!("hybrid-events-webhook-{}.json", Uuid::new_v4().simple()));
    std::fs::write(&file, given.to_string()).unwrap();
    let run = tokio::process::Command::new("python3").args(["-c", VERIFY]).arg(&file).output().await;
    std::fs::remove_file(&file).unwrap();
    let run = run.expect("python3 runs");
    if run.status.success() {
        Ok(String::from_utf8_lossy(&run.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&run.stderr).into_owned())
    }
}

#[actix_web::test]
async fn a_delivery_carries_the_standard_headers_the_same_id_on_retries_and_x_signature() {
    let app = spawn_app(|_| {}).await;
    let mut receiver = Receiver::answering(&[500]).await;
    let (org, organiser, event) = published_event(&app, one_seat()).await;
    let hook = subscribe(&app, &organiser, &receiver.url("/hooks"), json!(["registration.confirmed"])).await;
    let key = hook.secret.strip_prefix("whsec_").and_then(|key| STANDARD.decode(key).ok());
    assert_eq!(key.map(|key| key.len()), Some(32), "{}", hook.secret);

    registered(&app, &app.partner_of(org).await, event, participant("onsite", false)).await;

    let (refused, accepted) = (receiver.next().await, receiver.next().await);
    assert_eq!((refused.answered, accepted.answered), (500, 200));
    let message_id = accepted.json()["id"].as_str().unwrap().to_owned();
    for post in [&refused, &accepted] {
        assert_eq!(post.headers.get("webhook-id"), Some(&message_id), "the message id, on every retry");
        assert_eq!(post.webhook_id.as_ref(), Some(&message_id));
        assert!(post.standard_signature_is_valid(&hook.secret), "{:?}", post.headers);
        assert!(!post.standard_signature_is_valid(OLD_SECRET));
        assert!(post.signature_is_valid(&hook.secret), "{:?}", post.signature);
        let timestamp = &post.headers["webhook-timestamp"];
        assert_eq!(
            post.signature.as_deref().and_then(|s| s.strip_prefix("t=")?.split_once(',')).unwrap().0,
            timestamp
        );
    }
    let mut changed = accepted.clone();
    changed.body.push(b' ');
    assert!(!changed.standard_signature_is_valid(&hook.secret), "the signature covers the body");
}

#[actix_web::test]
async fn the_official_python_library_verifies_deliveries_signed_with_new_and_old_secrets() {
    if !python_has_standardwebhooks() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have python3 with standardwebhooks (.ci/run installs it)"
        );
        eprintln!("skipped: no python3 with the standardwebhooks package on this machine");
        return;
    }
    let app = spawn_app(|_| {}).await;
    let mut receiver = Receiver::start().await;
    let (org, organiser, event) = published_event(&app, one_seat()).await;
    let new = subscribe(&app, &organiser, &receiver.url("/new"), json!(["registration.confirmed"])).await;
    let old = subscribe(&app, &organiser, &receiver.url("/old"), json!(["registration.confirmed"])).await;
    diesel::sql_query("UPDATE webhook_subscriptions SET secret = $1 WHERE id = $2")
        .bind::<diesel::sql_types::Text, _>(OLD_SECRET)
        .bind::<diesel::sql_types::Uuid, _>(old.id.parse::<Uuid>().unwrap())
        .execute(&mut app.conn().await)
        .await
        .unwrap();

    registered(&app, &app.partner_of(org).await, event, participant("onsite", false)).await;

    let mut posts = [receiver.next().await, receiver.next().await];
    posts.sort_by(|a, b| a.path.cmp(&b.path));
    let [to_new, to_old] = posts;
    assert_eq!((to_new.path.as_str(), to_old.path.as_str()), ("/new", "/old"));
    for (post, secret) in [(&to_new, &new.secret), (&to_old, &OLD_SECRET.to_owned())] {
        let message_id = post.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(verified_by_python(post, secret).await, Ok(message_id), "{}", post.path);
        assert!(post.signature_is_valid(secret), "X-Signature stays for {}", post.path);
    }
    assert!(verified_by_python(&to_old, &new.secret).await.is_err(), "another subscription's secret");
}
