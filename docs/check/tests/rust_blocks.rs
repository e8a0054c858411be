//! Every ```rust block of the docs, compiled and run (see the build script): a block that does
//! not compile stops this test's build with the compiler's error at the page's line
//! (`.../out/blocks/<page>:<line>`); a block that panics fails its test,
//! `<page>::line_<N>::runs`.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/rust_blocks.rs"));

/// What a block's `main` returns: nothing, or a `Result` whose error fails the test.
trait Outcome {
    fn check(self);
}

impl Outcome for () {
    fn check(self) {}
}

impl<E: std::fmt::Debug> Outcome for Result<(), E> {
    fn check(self) {
        if let Err(error) = self {
            panic!("the block's main returned an error: {error:?}");
        }
    }
}

/// The blocks are taken from the pages the other checks read.
#[test]
fn the_blocks_come_from_every_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert_eq!(PAGES, heycat_docs::pages::list(&root).unwrap(), "the build script reruns when a page is added");
}
