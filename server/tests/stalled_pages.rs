//! A page's body streams after its headers, so a part that never comes would hold the
//! response open for ever. Two ways that happened, each as a test. They share a flag that is
//! global to the process, so they live in this binary of their own and run one after the
//! other.

#[path = "integration/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::*;

/// What the home page shows a signed-out visitor once its `who` resource has resolved.
const WELCOME: &str = "How is your software delivered?";

/// A client that gives up long after the server's own timeout (two seconds here), so a
/// response the server failed to end shows as this client's timeout.
fn patient_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test]
async fn pages_finish_while_routers_are_built_and_a_stalled_page_is_cut() {
    let app = start_with(&["--request-timeout", "2s"]).await;
    let client = patient_browser();

    // 1. Building a router lists the app's routes by rendering it with every resource's
    //    loading suspended by a flag global to the process (leptos-rs/leptos issue 4773).
    //    Listed on every build, a page rendered meanwhile by any server in the process
    //    waited for its data for ever: CI's test run hung on it. Routers are built here
    //    without pause on another thread while the home page is asked for again and again.
    let stop = Arc::new(AtomicBool::new(false));
    let builder = {
        let (stop, state) = (stop.clone(), app.state.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let _inside = runtime.enter();
            let mut built = 0u32;
            while !stop.load(Ordering::Relaxed) {
                drop(server::routes::router(state.clone()));
                built += 1;
            }
            built
        })
    };
    for i in 0..40 {
        let res = client.get(format!("{}/", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let body = res
            .text()
            .await
            .unwrap_or_else(|e| panic!("page {i} was cut while routers were built beside it: {e}"));
        assert!(body.contains(WELCOME), "page {i}:\n{body}");
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.join().unwrap();
    assert!(built > 0, "no router was built beside the pages");

    // 2. However a part of a page stalls, the response ends at the request timeout rather
    //    than never: here the resources' loading is suspended on purpose for one request.
    {
        let _suspended = leptos::server::SuppressResourceLoad::new();
        let res = client.get(format!("{}/", app.base)).send().await.unwrap();
        assert_eq!(
            res.status(),
            200,
            "the headers come before the stalled part"
        );
        match res.text().await {
            Ok(body) => panic!("a page without its data ended as if whole:\n{body}"),
            Err(e) => assert!(
                !e.is_timeout(),
                "the server held the stalled page open until this client gave up: {e}"
            ),
        }
    }
    let res = client.get(format!("{}/", app.base)).send().await.unwrap();
    assert!(res.text().await.unwrap().contains(WELCOME));
}
