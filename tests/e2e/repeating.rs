//! Repeating tasks and reminders over HTTP: the rule in normal form and
//! its refusals, completion moving the due (from the series or from the
//! completion day, across a clock change, until COUNT ends it), recorded
//! occurrences, skipping, subtasks reopened, reminders kept in order, and
//! an export keeping them. On both backends.

use chrono::{Days, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use taskd_tests::{Account, Server, error_locations};

async fn complete(server: &Server, account: &Account, task: &Value) -> Value {
    let (status, done) = server
        .call(
            account,
            Method::PATCH,
            &format!("/tasks/{}", task["id"]),
            Some(json!({"completed": true})),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    done
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a day")
}

taskd_tests::on_both_backends! {
async fn a_repeat_rule_is_returned_in_normal_form_and_a_bad_one_is_refused_at_its_field() {
    let server = Server::start();
    let account = server.account("rules").await;
    let weekly = server.created(&account, json!({"title": "Bins", "due_date": "2030-01-07", "repeat": "byday=we,mo;freq=weekly"})).await;
    assert_eq!(weekly["repeat"], "FREQ=WEEKLY;BYDAY=MO,WE");
    assert_eq!(weekly["repeat_from"], "due");

    for (body, field) in [
        (json!({"title": "x", "repeat": "FREQ=DAILY"}), "body.repeat"),
        (json!({"title": "x", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY;BYSETPOS=1"}), "body.repeat"),
        (json!({"title": "x", "due_date": "2030-01-07", "repeat": "FREQ=DAILY;COUNT=2;UNTIL=20300301"}), "body.repeat"),
        (json!({"title": "x", "due_date": "2030-01-07", "repeat": "FREQ=HOURLY"}), "body.repeat"),
        (json!({"title": "x", "due_date": "2030-01-07", "repeat": "FREQ=DAILY", "repeat_from": "sometimes"}), "body.repeat_from"),
    ] {
        let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(body.clone())).await;
        assert_eq!((status, error_locations(&refused)), (422, vec![field.to_owned()]), "{body}");
    }
    let (_, refused) = server.call(&account, Method::POST, "/tasks", Some(json!({"title": "x", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY;BYSETPOS=1"}))).await;
    assert!(refused["detail"][0]["msg"].as_str().expect("msg").contains("BYSETPOS"), "{refused}");

    // A repeating task keeps a due: clearing it alone is refused, with
    // the rule it is not.
    let path = format!("/tasks/{}", weekly["id"]);
    let (status, refused) = server.call(&account, Method::PATCH, &path, Some(json!({"due_date": null}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.repeat".to_owned()]));
    let plain = server.created(&account, json!({"title": "Plain"})).await;
    let (status, refused) = server.call(&account, Method::PATCH, &format!("/tasks/{}", plain["id"]), Some(json!({"repeat": "FREQ=DAILY"}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.repeat".to_owned()]));
    let (status, cleared) = server.call(&account, Method::PATCH, &path, Some(json!({"due_date": null, "repeat": null}))).await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!((cleared["repeat"].clone(), cleared["due_date"].clone()), (Value::Null, Value::Null));
}
}

taskd_tests::on_both_backends! {
async fn completing_a_repeating_task_moves_its_due_records_the_occurrence_and_reopens_its_subtasks() {
    let server = Server::start();
    let account = server.account("weekly").await;
    let bins = server.created(&account, json!({"title": "Bins", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY"})).await;
    let sort = server.created(&account, json!({"title": "Sort glass", "parent_id": bins["id"]})).await;
    complete(&server, &account, &sort).await;
    let (_, feed) = server.call(&account, Method::GET, "/changes", None).await;
    let cursor = feed["cursor"].as_str().expect("cursor").to_owned();

    let stale = format!("\"{}\"", bins["version"]);
    let (status, moved) = server
        .call_with(&account, Method::PATCH, &format!("/tasks/{}", bins["id"]), &[("if-match", &stale)], Some(json!({"completed": true})))
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["due_date"], "2030-01-14");
    assert_eq!((moved["completed"].clone(), moved["completed_at"].clone()), (json!(false), Value::Null));
    assert_eq!(moved["version"], bins["version"].as_i64().expect("version") + 1);
    let (_, sort) = server.call(&account, Method::GET, &format!("/tasks/{}", sort["id"]), None).await;
    assert_eq!(sort["completed"], false, "the next occurrence starts with its subtasks to do");

    // The same version again is refused: the completion moved it.
    let (status, _) = server
        .call_with(&account, Method::PATCH, &format!("/tasks/{}", bins["id"]), &[("if-match", &stale)], Some(json!({"completed": true})))
        .await;
    assert_eq!(status, 412);

    let (status, done) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", bins["id"]), None).await;
    assert_eq!(status, 200);
    assert_eq!(done.as_array().expect("list").len(), 1);
    assert_eq!(done[0]["due"], "2030-01-07");
    let (_, feed) = server.call(&account, Method::GET, &format!("/changes?since={cursor}"), None).await;
    let ids: Vec<Value> = feed["changes"].as_array().expect("changes").iter().map(|change| change["task"]["id"].clone()).collect();
    assert!(ids.contains(&bins["id"]) && ids.contains(&sort["id"]), "{feed}");

    // Done three days late, a daily task moves to the day after it was done.
    let today = Utc::now().date_naive();
    let late = today.checked_sub_days(Days::new(3)).expect("day");
    let water = server.created(&account, json!({"title": "Water", "due_date": late.to_string(), "repeat": "FREQ=DAILY"})).await;
    let moved = complete(&server, &account, &water).await;
    let (_, done) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", water["id"]), None).await;
    let completed_on = done[0]["completed_at"].as_str().expect("time")[..10].parse::<NaiveDate>().expect("day");
    assert_eq!(day(moved["due_date"].as_str().expect("due")), completed_on.checked_add_days(Days::new(1)).expect("day"));
    assert_eq!(done[0]["due"], late.to_string());
}
}

taskd_tests::on_both_backends! {
async fn a_series_from_the_completion_counts_from_the_day_it_was_done_and_count_ends_it() {
    let server = Server::start();
    let account = server.account("after-done").await;
    let filter = server.created(&account, json!({"title": "Filter", "due_date": "2030-06-01", "repeat": "FREQ=DAILY;INTERVAL=3", "repeat_from": "completion"})).await;
    let moved = complete(&server, &account, &filter).await;
    let (_, done) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", filter["id"]), None).await;
    let completed_on = done[0]["completed_at"].as_str().expect("time")[..10].parse::<NaiveDate>().expect("day");
    assert_eq!(day(moved["due_date"].as_str().expect("due")), completed_on.checked_add_days(Days::new(3)).expect("day"));

    // COUNT=2: the first completion moves it, the second closes it.
    let twice = server.created(&account, json!({"title": "Twice", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY;COUNT=2"})).await;
    let moved = complete(&server, &account, &twice).await;
    assert_eq!((moved["completed"].clone(), moved["due_date"].clone()), (json!(false), json!("2030-01-14")));
    let closed = complete(&server, &account, &twice).await;
    assert_eq!((closed["completed"].clone(), closed["due_date"].clone()), (json!(true), json!("2030-01-14")));
    assert!(closed["completed_at"].is_string());
    let (_, done) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", twice["id"]), None).await;
    assert_eq!(done.as_array().expect("list").len(), 2, "the last occurrence is recorded too: {done}");

    // Sending the due and the rule it has (as an undo does) keeps the
    // series where it is: COUNT=3 still ends after three.
    let thrice = server.created(&account, json!({"title": "Thrice", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY;COUNT=3"})).await;
    complete(&server, &account, &thrice).await;
    let (status, restated) = server
        .call(&account, Method::PATCH, &format!("/tasks/{}", thrice["id"]), Some(json!({"title": "Thrice!", "due_date": "2030-01-14", "repeat": "FREQ=WEEKLY;COUNT=3"})))
        .await;
    assert_eq!((status, restated["due_date"].clone()), (200, json!("2030-01-14")));
    let (status, _) = server
        .call(&account, Method::PATCH, &format!("/tasks/{}", thrice["id"]), Some(json!({"due_date": "2030-01-14"})))
        .await;
    assert_eq!(status, 200);
    assert_eq!(complete(&server, &account, &thrice).await["due_date"], "2030-01-21");
    let closed = complete(&server, &account, &thrice).await;
    assert_eq!((closed["completed"].clone(), closed["due_date"].clone()), (json!(true), json!("2030-01-21")));
    // UNTIL before the next occurrence closes it at once.
    let until = server.created(&account, json!({"title": "Until", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY;UNTIL=20300110"})).await;
    assert_eq!(complete(&server, &account, &until).await["completed"], true);
}
}

taskd_tests::on_both_backends! {
async fn a_due_time_keeps_its_wall_clock_across_a_clock_change_and_skip_moves_without_recording() {
    let server = Server::start();
    let account = server.account("paris").await;
    let (status, _) = server.call(&account, Method::PATCH, "/auth/me", Some(json!({"timezone": "Europe/Paris"}))).await;
    assert_eq!(status, 200);
    // Monday 09:00 in Paris, a week before summer time starts.
    let call = server.created(&account, json!({"title": "Call", "due_at": "2030-03-25T08:00:00Z", "repeat": "FREQ=WEEKLY", "reminders": [{"before": "PT15M"}]})).await;
    let moved = complete(&server, &account, &call).await;
    assert_eq!(moved["due_at"], "2030-04-01T07:00:00Z", "09:00 in Paris, summer time");
    assert_eq!(moved["reminders"], json!([{"before": "PT15M"}]), "a lead follows the due");

    let path = format!("/tasks/{}/skip", call["id"]);
    let stale = format!("\"{}\"", call["version"]);
    let (status, _) = server.call_with(&account, Method::POST, &path, &[("if-match", &stale)], None).await;
    assert_eq!(status, 412);
    let current = format!("\"{}\"", moved["version"]);
    let (status, skipped) = server.call_with(&account, Method::POST, &path, &[("if-match", &current)], None).await;
    assert_eq!(status, 200, "{skipped}");
    assert_eq!(skipped["due_at"], "2030-04-08T07:00:00Z");
    let (_, done) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", call["id"]), None).await;
    assert_eq!(done.as_array().expect("list").len(), 1, "a skip records nothing");

    let plain = server.created(&account, json!({"title": "Plain", "due_date": "2030-01-01"})).await;
    let (status, refused) = server.call(&account, Method::POST, &format!("/tasks/{}/skip", plain["id"]), None).await;
    assert_eq!(status, 409, "{refused}");
    let stranger = server.account("stranger").await;
    let (status, _) = server.call(&stranger, Method::POST, &path, None).await;
    assert_eq!(status, 404);
    let (status, _) = server.call(&stranger, Method::GET, &format!("/tasks/{}/completions", call["id"]), None).await;
    assert_eq!(status, 404);
}
}

taskd_tests::on_both_backends! {
async fn reminders_are_kept_in_order_without_duplicates_and_a_lead_needs_a_due() {
    let server = Server::start();
    let account = server.account("reminders").await;
    let gift = server.created(&account, json!({"title": "Gift", "due_date": "2030-12-24", "reminders": [
        {"at": "2030-12-20T08:00:00+01:00"}, {"before": "PT15M"}, {"before": "p1d"}, {"before": "PT900S"},
    ]})).await;
    assert_eq!(gift["reminders"], json!([{"before": "P1D"}, {"before": "PT15M"}, {"at": "2030-12-20T07:00:00Z"}]));

    let eleven: Vec<Value> = (1..=11).map(|minutes| json!({"before": format!("PT{minutes}M")})).collect();
    for body in [
        json!({"title": "x", "reminders": [{"before": "PT15M"}]}),
        json!({"title": "x", "due_date": "2030-01-01", "reminders": eleven}),
        json!({"title": "x", "due_date": "2030-01-01", "reminders": [{"before": "PT15M", "at": "2030-01-01T00:00:00Z"}]}),
        json!({"title": "x", "due_date": "2030-01-01", "reminders": [{"before": "P1Y"}]}),
        json!({"title": "x", "due_date": "2030-01-01", "reminders": [{}]}),
    ] {
        let (status, refused) = server.call(&account, Method::POST, "/tasks", Some(body.clone())).await;
        assert_eq!((status, error_locations(&refused)), (422, vec!["body.reminders".to_owned()]), "{body}");
    }
    // An instant needs no due; ten is the most.
    server.created(&account, json!({"title": "At", "reminders": [{"at": "2030-01-01T09:00:00Z"}]})).await;
    let ten: Vec<Value> = (1..=10).map(|minutes| json!({"before": format!("PT{minutes}M")})).collect();
    server.created(&account, json!({"title": "Ten", "due_date": "2030-01-01", "reminders": ten})).await;

    // Clearing the due of a task with a lead is refused; replacing the
    // reminders with none is not.
    let path = format!("/tasks/{}", gift["id"]);
    let (status, refused) = server.call(&account, Method::PATCH, &path, Some(json!({"due_date": null}))).await;
    assert_eq!((status, error_locations(&refused)), (422, vec!["body.reminders".to_owned()]));
    let (status, cleared) = server.call(&account, Method::PATCH, &path, Some(json!({"reminders": []}))).await;
    assert_eq!((status, cleared["reminders"].clone()), (200, json!([])));
}
}

taskd_tests::on_both_backends! {
async fn an_export_keeps_repeat_rules_and_reminders_and_an_import_restores_them() {
    let server = Server::start();
    let account = server.account("round-trip").await;
    server.created(&account, json!({"title": "Rent", "due_date": "2030-01-01", "repeat": "FREQ=MONTHLY;BYMONTHDAY=-1", "repeat_from": "completion", "reminders": [{"before": "P2D"}]})).await;
    let export: Value = server.send(&account, Method::GET, "/export", None).await.json().await.expect("JSON");
    let other = server.account("elsewhere").await;
    let (status, report) = server.call(&other, Method::POST, "/import", Some(export)).await;
    assert_eq!(status, 200, "{report}");
    let (_, tasks) = server.call(&other, Method::GET, "/tasks", None).await;
    assert_eq!(tasks[0]["repeat"], "FREQ=MONTHLY;BYMONTHDAY=-1");
    assert_eq!(tasks[0]["repeat_from"], "completion");
    assert_eq!(tasks[0]["reminders"], json!([{"before": "P2D"}]));
}
}

taskd_tests::on_both_backends! {
async fn a_taskwarrior_export_brings_projects_recurring_templates_and_names_what_it_drops() {
    let server = Server::start();
    let account = server.account("taskwarrior").await;
    let (status, _) = server.call(&account, Method::PATCH, "/auth/me", Some(json!({"timezone": "Europe/Paris"}))).await;
    assert_eq!(status, 200);
    // Midnight in Paris is 23:00 UTC the day before (winter time).
    let export = json!([
        {"uuid": "t-1", "description": "Water plants", "status": "recurring", "recur": "weekly",
         "due": "20300106T230000Z", "mask": "++-", "project": "Home", "entry": "20291201T000000Z"},
        {"uuid": "i-1", "description": "Water plants", "status": "completed", "parent": "t-1", "imask": 0,
         "recur": "weekly", "due": "20300106T230000Z", "end": "20300107T100000Z", "project": "Home"},
        {"uuid": "i-2", "description": "Water plants", "status": "pending", "parent": "t-1", "imask": 2,
         "recur": "weekly", "due": "20300120T230000Z", "project": "Home"},
        {"uuid": "i-3", "description": "Water plants", "status": "pending", "parent": "t-1", "imask": 1,
         "recur": "weekly", "due": "20300113T230000Z", "project": "Home"},
        {"uuid": "p-1", "description": "Call plumber", "status": "pending", "project": "home",
         "due": "20300110T080000Z", "wait": "20300101T000000Z", "scheduled": "20300102T000000Z",
         "depends": "t-9", "estimate": "2h"},
        {"uuid": "p-2", "description": "Blue moon", "status": "recurring", "recur": "every blue moon",
         "due": "20291231T230000Z"},
        {"uuid": "p-3", "description": "Later", "status": "waiting", "wait": "20300105T000000Z"},
        {"uuid": "t-2", "description": "Hourly", "status": "recurring", "recur": "hourly",
         "due": "20300101T080000Z"},
        {"uuid": "i-9", "description": "Hourly", "status": "pending", "parent": "t-2",
         "recur": "hourly", "due": "20300101T090000Z"}
    ]);
    let (status, report) = server.call(&account, Method::POST, "/import", Some(export)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 5, "{report}");
    assert_eq!(report["recurring_occurrences"], 3, "{report}");
    assert_eq!(report["dropped_fields"], json!({"depends": 1, "estimate": 1, "recur": 3, "scheduled": 1, "wait": 2}));

    let (_, tasks) = server.call(&account, Method::GET, "/tasks?sort=id", None).await;
    let by_title = |title: &str| tasks.as_array().expect("tasks").iter().find(|task| task["title"] == title).cloned().expect("imported");
    let water = by_title("Water plants");
    assert_eq!(water["repeat"], "FREQ=WEEKLY");
    assert_eq!(water["due_date"], "2030-01-14", "due when its next occurrence was, all day");
    let plumber = by_title("Call plumber");
    assert_eq!((plumber["due_at"].clone(), plumber["due_date"].clone()), (json!("2030-01-10T08:00:00Z"), Value::Null));
    assert_eq!(plumber["list_id"], water["list_id"], "one list Home, named in any case");
    // A template no rule matches: its occurrence comes in, once, and it does not.
    let hourly: Vec<&Value> = tasks.as_array().expect("tasks").iter().filter(|task| task["title"] == "Hourly").collect();
    assert_eq!(hourly.len(), 1);
    assert_eq!((hourly[0]["due_at"].clone(), hourly[0]["repeat"].clone()), (json!("2030-01-01T09:00:00Z"), Value::Null));
    let moon = by_title("Blue moon");
    assert_eq!((moon["repeat"].clone(), moon["due_date"].clone()), (Value::Null, json!("2030-01-01")));
    let (_, lists) = server.call(&account, Method::GET, "/lists", None).await;
    let names: Vec<&str> = lists.as_array().expect("lists").iter().map(|list| list["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Tasks", "Home"]);
}
}

taskd_tests::on_both_backends! {
async fn completions_sent_at_once_each_complete_one_occurrence() {
    let server = Server::start();
    let account = server.account("at-once").await;
    let daily = server.created(&account, json!({"title": "Stretch", "due_date": "2030-01-01", "repeat": "FREQ=DAILY"})).await;
    let path = format!("/tasks/{}", daily["id"]);
    let sends = (0..6).map(|_| server.call(&account, Method::PATCH, &path, Some(json!({"completed": true}))));
    let answers = futures_util::future::join_all(sends).await;
    let done = answers.iter().filter(|(status, _)| *status == 200).count();
    assert!(answers.iter().all(|(status, _)| *status == 200 || *status == 409), "{answers:?}");
    assert!(done >= 1);
    let (_, completions) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", daily["id"]), None).await;
    let mut dues: Vec<String> = completions.as_array().expect("list").iter().map(|completion| completion["due"].as_str().expect("due").to_owned()).collect();
    dues.sort();
    let expected: Vec<String> = (0..done).map(|day| format!("2030-01-{:02}", day + 1)).collect();
    assert_eq!(dues, expected, "one occurrence each, none twice");
    let (_, now) = server.call(&account, Method::GET, &path, None).await;
    assert_eq!(now["due_date"], format!("2030-01-{:02}", done + 1));
}
}

taskd_tests::on_both_backends! {
async fn a_time_the_clocks_skip_moves_one_occurrence_only_and_the_series_keeps_its_time() {
    let server = Server::start();
    let account = server.account("gap").await;
    let (status, _) = server.call(&account, Method::PATCH, "/auth/me", Some(json!({"timezone": "Europe/Paris"}))).await;
    assert_eq!(status, 200);
    // Daily at 02:30 in Paris; on 31 March 2030 the clocks go from 02:00 to 03:00.
    let task = server.created(&account, json!({"title": "Night shift", "due_at": "2030-03-29T01:30:00Z", "repeat": "FREQ=DAILY"})).await;
    let mut dues = Vec::new();
    for _ in 0..4 {
        let moved = complete(&server, &account, &task).await;
        dues.push(moved["due_at"].as_str().expect("a due").to_owned());
    }
    assert_eq!(
        dues,
        [
            "2030-03-30T01:30:00Z", // 02:30, winter time
            "2030-03-31T01:30:00Z", // 03:30 summer time: 02:30 does not exist that day
            "2030-04-01T00:30:00Z", // 02:30 summer time again
            "2030-04-02T00:30:00Z",
        ]
    );
    let (status, skipped) = server.call(&account, Method::POST, &format!("/tasks/{}/skip", task["id"]), None).await;
    assert_eq!(status, 200, "{skipped}");
    assert_eq!(skipped["due_at"], "2030-04-03T00:30:00Z");
}
}

taskd_tests::on_both_backends! {
async fn completions_page_newest_first_and_stay_with_their_task_through_the_trash() {
    let server = Server::start();
    let account = server.account("history").await;
    let walk = server.created(&account, json!({"title": "Walk", "due_date": "2030-01-01", "repeat": "FREQ=DAILY"})).await;
    let water = server.created(&account, json!({"title": "Water", "due_date": "2030-01-01", "repeat": "FREQ=DAILY"})).await;
    // Interleaved, as a day's completions are.
    for round in 0..5 {
        complete(&server, &account, &walk).await;
        if round < 2 {
            complete(&server, &account, &water).await;
        }
    }
    let page = |task: &Value, query: &str| {
        let path = format!("/tasks/{}/completions{query}", task["id"]);
        let server = &server;
        let account = &account;
        async move {
            let response = server.send_with(account, Method::GET, &path, &[], None).await;
            assert_eq!(response.status(), 200);
            let total = response.headers()["x-total-count"].to_str().expect("count").to_owned();
            let listed: Vec<Value> = response.json().await.expect("JSON");
            let dues: Vec<String> = listed.iter().map(|done| done["due"].as_str().expect("due").to_owned()).collect();
            (total, dues)
        }
    };
    assert_eq!(page(&walk, "?skip=1&limit=2").await, ("5".to_owned(), vec!["2030-01-04".to_owned(), "2030-01-03".to_owned()]));
    assert_eq!(page(&walk, "?skip=4&limit=2").await, ("5".to_owned(), vec!["2030-01-01".to_owned()]));
    assert_eq!(page(&walk, "?skip=5").await, ("5".to_owned(), vec![]));
    assert_eq!(page(&water, "").await, ("2".to_owned(), vec!["2030-01-02".to_owned(), "2030-01-01".to_owned()]));

    // Through the trash and back, the history stays and goes on.
    let (status, _) = server.call(&account, Method::DELETE, &format!("/tasks/{}", walk["id"]), None).await;
    assert_eq!(status, 204);
    let (status, restored) = server.call(&account, Method::POST, &format!("/trash/{}/restore", walk["id"]), None).await;
    assert_eq!(status, 200, "{restored}");
    complete(&server, &account, &restored).await;
    let (total, dues) = page(&walk, "?limit=2").await;
    assert_eq!((total.as_str(), dues.as_slice()), ("6", ["2030-01-06".to_owned(), "2030-01-05".to_owned()].as_slice()));

    // Erased for good, it takes its own history and no other task's.
    server.call(&account, Method::DELETE, &format!("/tasks/{}", walk["id"]), None).await;
    let (status, _) = server.call(&account, Method::DELETE, &format!("/trash/{}", walk["id"]), None).await;
    assert_eq!(status, 204);
    assert_eq!(page(&water, "").await, ("2".to_owned(), vec!["2030-01-02".to_owned(), "2030-01-01".to_owned()]));
}
}

taskd_tests::on_both_backends! {
async fn an_export_keeps_each_series_history_and_count_and_an_import_goes_on_from_there() {
    let server = Server::start();
    let account = server.account("history-out").await;
    let thrice = server.created(&account, json!({"title": "Thrice", "due_date": "2030-01-07", "repeat": "FREQ=WEEKLY;COUNT=3"})).await;
    complete(&server, &account, &thrice).await;
    let walk = server.created(&account, json!({"title": "Walk", "due_at": "2030-01-01T07:00:00Z", "repeat": "FREQ=DAILY"})).await;
    complete(&server, &account, &walk).await;
    complete(&server, &account, &walk).await;
    let (status, _) = server.call(&account, Method::DELETE, &format!("/tasks/{}", walk["id"]), None).await;
    assert_eq!(status, 204);
    server.created(&account, json!({"title": "Plain"})).await;

    let export: Value = server.send(&account, Method::GET, "/export", None).await.json().await.expect("JSON");
    let exported = |title: &str| {
        export["tasks"].as_array().expect("tasks").iter().find(|task| task["title"] == title).expect("exported")
    };
    assert_eq!(exported("Thrice")["completions"][0]["due"], "2030-01-07");
    assert_eq!(exported("Thrice")["series"], json!({"anchor": "2030-01-07", "done": 1}));
    let walked: Vec<&str> = exported("Walk")["completions"].as_array().expect("completions").iter().map(|done| done["due"].as_str().expect("due")).collect();
    assert_eq!(walked, ["2030-01-02T07:00:00+00:00", "2030-01-01T07:00:00+00:00"], "newest first");
    assert!(exported("Plain").get("completions").is_none() && exported("Plain").get("series").is_none());

    let other = server.account("history-in").await;
    let (status, report) = server.call(&other, Method::POST, "/import", Some(export.clone())).await;
    assert_eq!((status, report["created"].clone(), report["errors"].clone()), (200, json!(3), json!([])));
    let (_, tasks) = server.call(&other, Method::GET, "/tasks?q=Thrice", None).await;
    let imported = tasks[0].clone();
    let (_, done) = server.call(&other, Method::GET, &format!("/tasks/{}/completions", imported["id"]), None).await;
    assert_eq!(done.as_array().map(|done| done.len()), Some(1), "{done}");
    assert_eq!(done[0]["due"], "2030-01-07");
    // COUNT=3 counts the occurrence done before the export: two more close it.
    assert_eq!(complete(&server, &other, &imported).await["due_date"], "2030-01-21");
    let closed = complete(&server, &other, &imported).await;
    assert_eq!((closed["completed"].clone(), closed["due_date"].clone()), (json!(true), json!("2030-01-21")));

    // The trashed one brings its history back with it when restored.
    let (_, trash) = server.call(&other, Method::GET, "/trash", None).await;
    let trashed = trash.as_array().expect("trash").iter().find(|task| task["title"] == "Walk").expect("trashed").clone();
    let (status, restored) = server.call(&other, Method::POST, &format!("/trash/{}/restore", trashed["id"]), None).await;
    assert_eq!(status, 200, "{restored}");
    let (_, done) = server.call(&other, Method::GET, &format!("/tasks/{}/completions", restored["id"]), None).await;
    let dues: Vec<&str> = done.as_array().expect("completions").iter().map(|done| done["due"].as_str().expect("due")).collect();
    assert_eq!(dues, ["2030-01-02T07:00:00+00:00", "2030-01-01T07:00:00+00:00"]);

    // A completed occurrence that is no due refuses its entry, by field.
    let mut broken = export.clone();
    for task in broken["tasks"].as_array_mut().expect("tasks") {
        if task["title"] == "Thrice" {
            task["completions"][0]["due"] = json!("next tuesday");
        }
    }
    let (status, report) = server.call(&other, Method::POST, "/import?dry_run=true", Some(broken)).await;
    assert_eq!(status, 200, "{report}");
    assert!(report["errors"][0]["detail"].to_string().contains("completions"), "{report}");
}
}

taskd_tests::on_both_backends! {
async fn uncomplete_takes_back_the_newest_occurrence_and_the_series_counts_one_fewer() {
    let server = Server::start();
    let account = server.account("uncomplete").await;
    // Daily from 2030-01-07, twice.
    let twice = server.created(&account, json!({"title": "Twice", "due_date": "2030-01-07", "repeat": "FREQ=DAILY;COUNT=2"})).await;
    let path = format!("/tasks/{}/uncomplete", twice["id"]);
    let completions = format!("/tasks/{}/completions", twice["id"]);
    let (status, refused) = server.call(&account, Method::POST, &path, None).await;
    assert_eq!(status, 409, "nothing done yet: {refused}");

    let moved = complete(&server, &account, &twice).await;
    assert_eq!(moved["due_date"], "2030-01-08");
    let stale = format!("\"{}\"", twice["version"]);
    let (status, refused) = server.call_with(&account, Method::POST, &path, &[("if-match", &stale)], None).await;
    assert_eq!(status, 412, "{refused}");
    let current = format!("\"{}\"", moved["version"]);
    let (status, back) = server.call_with(&account, Method::POST, &path, &[("if-match", &current)], None).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!((back["due_date"].clone(), back["completed"].clone()), (json!("2030-01-07"), json!(false)));
    assert!(back["version"].as_i64() > moved["version"].as_i64(), "{back}");
    let (_, done) = server.call(&account, Method::GET, &completions, None).await;
    assert_eq!(done, json!([]), "the occurrence is no longer recorded");

    // COUNT still counts from the 7th: the second done ends the series.
    let moved = complete(&server, &account, &back).await;
    assert_eq!(moved["due_date"], "2030-01-08");
    let closed = complete(&server, &account, &moved).await;
    assert_eq!((closed["completed"].clone(), closed["due_date"].clone()), (json!(true), json!("2030-01-08")));
    // The occurrence that ended it, taken back: open again, at that occurrence.
    let (status, reopened) = server.call(&account, Method::POST, &path, None).await;
    assert_eq!(status, 200, "{reopened}");
    assert_eq!(
        (reopened["completed"].clone(), reopened["completed_at"].clone(), reopened["due_date"].clone()),
        (json!(false), Value::Null, json!("2030-01-08"))
    );
    let (_, done) = server.call(&account, Method::GET, &completions, None).await;
    assert_eq!(done.as_array().expect("list").len(), 1, "{done}");
    let closed = complete(&server, &account, &reopened).await;
    assert_eq!(closed["completed"], true, "still its last occurrence");

    // A timed due goes back to its instant.
    let call = server.created(&account, json!({"title": "Call", "due_at": "2030-03-25T08:00:00Z", "repeat": "FREQ=WEEKLY"})).await;
    let moved = complete(&server, &account, &call).await;
    assert_eq!(moved["due_at"], "2030-04-01T08:00:00Z");
    let (status, back) = server.call(&account, Method::POST, &format!("/tasks/{}/uncomplete", call["id"]), None).await;
    assert_eq!((status, back["due_at"].clone()), (200, json!("2030-03-25T08:00:00Z")), "{back}");

    // Reopened and done again, the occurrence that ended it is recorded once.
    let (status, _) = server.call(&account, Method::PATCH, &format!("/tasks/{}", twice["id"]), Some(json!({"completed": false}))).await;
    assert_eq!(status, 200);
    let (status, again) = server.call(&account, Method::PATCH, &format!("/tasks/{}", twice["id"]), Some(json!({"completed": true}))).await;
    assert_eq!((status, again["completed"].clone()), (200, json!(true)));
    let (_, done) = server.call(&account, Method::GET, &completions, None).await;
    assert_eq!(done.as_array().expect("list").len(), 2, "the 7th and the 8th, once each: {done}");

    // Counted from the completion and done the day before its due, a
    // daily task stays due that day: its last occurrence, done there, is
    // another occurrence of the same due, recorded and taken back as one.
    // "The day before" is today in UTC, the account's zone: a run that
    // crosses midnight between creating the task and completing it does
    // the case again on the new day.
    let (early, tomorrow, again, ended) = loop {
        let today = Utc::now().date_naive();
        let tomorrow = today.checked_add_days(Days::new(1)).expect("a day").to_string();
        let early = server.created(&account, json!({"title": "Early", "due_date": tomorrow, "repeat": "FREQ=DAILY;COUNT=2", "repeat_from": "completion"})).await;
        let again = complete(&server, &account, &early).await;
        let ended = complete(&server, &account, &again).await;
        if Utc::now().date_naive() == today {
            break (early, tomorrow, again, ended);
        }
    };
    assert_eq!((again["due_date"].as_str(), again["completed"].clone()), (Some(tomorrow.as_str()), json!(false)));
    assert_eq!(ended["completed"], true);
    let early_done = format!("/tasks/{}/completions", early["id"]);
    let (_, done) = server.call(&account, Method::GET, &early_done, None).await;
    assert_eq!(done.as_array().expect("list").len(), 2, "{done}");
    let (status, back) = server.call(&account, Method::POST, &format!("/tasks/{}/uncomplete", early["id"]), None).await;
    assert_eq!((status, back["completed"].clone()), (200, json!(false)), "{back}");
    let (_, done) = server.call(&account, Method::GET, &early_done, None).await;
    assert_eq!(done.as_array().expect("list").len(), 1, "{done}");

    // Moved on from where the occurrence left it, it is no longer taken back.
    let skipped = server.created(&account, json!({"title": "Skipped", "due_date": "2030-01-07", "repeat": "FREQ=DAILY"})).await;
    complete(&server, &account, &skipped).await;
    let (status, _) = server.call(&account, Method::POST, &format!("/tasks/{}/skip", skipped["id"]), None).await;
    assert_eq!(status, 200);
    let (status, refused) = server.call(&account, Method::POST, &format!("/tasks/{}/uncomplete", skipped["id"]), None).await;
    assert_eq!(status, 409, "skipped since: {refused}");
    let ruled = server.created(&account, json!({"title": "Ruled", "due_date": "2030-01-07", "repeat": "FREQ=DAILY;COUNT=5"})).await;
    complete(&server, &account, &ruled).await;
    let (status, _) = server.call(&account, Method::PATCH, &format!("/tasks/{}", ruled["id"]), Some(json!({"repeat": "FREQ=DAILY;COUNT=10"}))).await;
    assert_eq!(status, 200);
    let (status, refused) = server.call(&account, Method::POST, &format!("/tasks/{}/uncomplete", ruled["id"]), None).await;
    assert_eq!(status, 409, "its rule changed since: {refused}");
    let (_, done) = server.call(&account, Method::GET, &format!("/tasks/{}/completions", ruled["id"]), None).await;
    assert_eq!(done.as_array().expect("list").len(), 1, "still recorded: {done}");

    let plain = server.created(&account, json!({"title": "Plain", "due_date": "2030-01-01"})).await;
    complete(&server, &account, &plain).await;
    let (status, refused) = server.call(&account, Method::POST, &format!("/tasks/{}/uncomplete", plain["id"]), None).await;
    assert_eq!(status, 409, "a task that does not repeat records no occurrence: {refused}");
    let stranger = server.account("stranger").await;
    let (status, _) = server.call(&stranger, Method::POST, &format!("/tasks/{}/uncomplete", call["id"]), None).await;
    assert_eq!(status, 404);
}
}
