//! Sync progress reaches the browser as server-sent events, and only for repositories the
//! signed-in user may see.

use std::time::Duration;

use crate::support::*;
use serde_json::Value;

/// An open event stream, read one event at a time.
struct Events {
    res: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, client: &reqwest::Client) -> Events {
        let res = client
            .get(format!("{}/api/sync/events", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Events {
            res,
            buffer: String::new(),
        }
    }

    /// The next `progress` event's data (keep-alive comments are skipped), after checking
    /// that the browser's parser reads it.
    async fn next(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut name = "";
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event:") {
                            name = v.trim();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim());
                        }
                    }
                    if name == "progress" {
                        // What the sync page does with it (app::pages::sync): any drift
                        // between the server's and the browser's type fails here.
                        let parsed: app::api::LiveProgress = serde_json::from_str(&data)
                            .unwrap_or_else(|e| panic!("the browser cannot read {data}: {e}"));
                        let value: Value = serde_json::from_str(&data).unwrap();
                        assert_eq!(value["repository"], parsed.repository.as_str());
                        return value;
                    }
                    continue;
                }
                let chunk = self.res.chunk().await.unwrap().expect("the stream ended");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("no progress event within 30 s")
    }
}

#[tokio::test]
async fn progress_streams_to_those_who_may_see_the_repository() {
    let app = start().await;
    let alice = sign_in(&app, "alice").await;
    let (status, _) = server_fn(&app, &alice, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200);
    // Carol collaborates on acme/api only.
    let carol = sign_in(&app, "carol").await;
    let (status, _) = server_fn(&app, &carol, "repositories", &[("refresh", "true")]).await;
    assert_eq!(status, 200);

    let mut alices = Events::open(&app, &alice).await;
    let mut carols = Events::open(&app, &carol).await;
    // The streams are open once the response headers arrived; give the process's
    // listener time to be LISTENing before the first sync.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/infra")]).await;
    assert_eq!(status, 200, "{body}");
    let first = alices.next().await;
    assert_eq!(first["repository"], "acme/infra");
    assert_eq!(first["resource"], "pull_requests");
    assert!(first["items"].as_u64().unwrap() > 0);
    assert!(first["total"].as_u64().unwrap() >= first["items"].as_u64().unwrap());
    // Alice's own token: she sees what is left of it; nobody sees job ids.
    assert!(first["rate_remaining"].as_u64().is_some(), "{first}");
    assert!(first["job_id"].is_null(), "{first}");

    // Then acme/api, which carol may see: the first thing she hears about is api, so
    // nothing of infra reached her.
    let (status, body) = server_fn(&app, &alice, "track", &[("full_name", "acme/api")]).await;
    assert_eq!(status, 200, "{body}");
    let heard = carols.next().await;
    assert_eq!(heard["repository"], "acme/api", "{heard}");
    // Alice's sync spends alice's token: carol is not told how much of it is left.
    assert!(heard["rate_remaining"].is_null(), "{heard}");

    // Alice heard infra's pull requests to the end, then api.
    let mut seen_done = false;
    loop {
        let e = alices.next().await;
        if e["repository"] == "acme/api" {
            break;
        }
        assert_eq!(e["repository"], "acme/infra");
        seen_done |= e["done"] == true;
    }
    assert!(seen_done, "infra's pull requests never said they were done");
}

#[tokio::test]
async fn signed_out_browsers_get_no_stream() {
    let app = start().await;
    let res = browser()
        .get(format!("{}/api/sync/events", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}
