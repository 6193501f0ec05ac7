//! A tokio service embedding the store: many concurrent requests, none of
//! them blocking the executor. `AsyncStore` (feature `async`) runs reads on
//! the blocking pool and awaits writes on the single writer's queue.
//!
//! ```sh
//! cargo run -p taskcore --features async --example tokio_service
//! ```

use taskcore::{AsyncStore, NewTask, NewUser, PasswordHasher, Store, TaskQuery};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let url = format!("sqlite:///{}", scratch.path().join("tasks.db").display());
    let store = AsyncStore::new(Store::open(&url)?);

    // Registration hashes a password: slow blocking work, for the blocking
    // pool (the registration queues its own write).
    let user = store
        .run(|store| {
            store.register_user(
                &NewUser::new("service@example.com", "service password")?,
                &PasswordHasher::new(4)?,
            )
        })
        .await?;

    // A hundred "requests" at once, each with its own owned handle.
    let mut requests = tokio::task::JoinSet::new();
    for n in 0..100 {
        let tasks = store.tasks(user.id);
        requests.spawn(async move {
            let task = NewTask::builder(format!("request {n}")).build()?;
            tasks.create(task).await
        });
    }
    while let Some(done) = requests.join_next().await {
        done??;
    }

    let page = store
        .tasks(user.id)
        .list(TaskQuery::builder().limit(1).build()?)
        .await?;
    println!("{} tasks created concurrently", page.total);
    assert_eq!(page.total, 100);
    Ok(())
}
