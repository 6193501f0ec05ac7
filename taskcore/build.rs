//! The schema migrations are embedded at compile time: a new or changed
//! migration file rebuilds the crate.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
