//! The `duikou` program: its two adapters over the application layer (`duikou-app`),
//! the command line and the web. Neither imports the other: the binary hands the
//! command line the web server to start for `duikou serve`.

pub mod cli;
pub mod web;

// glibc malloc spent a third of an import in `_int_malloc`/`unlink_chunk`/
// `malloc_consolidate` once the heap held a few hundred thousand records (BENCHMARKS.md).
// Not under the fuzzer: the address sanitiser must see the heap.
#[cfg(not(fuzzing))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
