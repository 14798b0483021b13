//! The allocator every binary built on the library uses (the daemon, the CLI, the benchmark, the
//! tests): jemalloc, with its background thread on so that memory freed by a burst of work (a
//! rebuild's pages, an audit's fold) goes back to the system within seconds even when the
//! daemon then sits idle.
//!
//! Why not glibc's malloc, measured with `frontline-bench` at 190k events (BENCHMARKS.md): a
//! `frontline rebuild` peaked at 510 MiB RSS for a 170 MiB heap peak (heaptrack), because each
//! thread of a catch-up's pages allocates in its own arena and freed memory stays mapped there,
//! so the peak grew with the log; two arenas bounded it (203 MiB) but ran 30 % slower. jemalloc
//! as set below: 220 MiB and faster (rebuild 135 → 110 s; catch-up of 1,000 events on a small
//! store 448 → ~270 ms), the daemon's peak unchanged (58 MiB). mimalloc was as fast but held ~95
//! MiB more in the daemon.
//!
//! Holds no state of its own and changes nothing the program computes.

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// jemalloc's options, read once at its start. Without the background thread, dirty pages are
// purged only as a side effect of later allocations, so an idle daemon would keep its largest
// moment resident; freed pages are purged after a second instead of ten. One arena (threads
// still allocate from their own caches): with the default eight, a round of 1,000 feeds peaked at
// 219 MiB, with one at 123 MiB (glibc tuned: 126), and a rebuild at 190k events ran 110 s instead
// of 97 (glibc: 135) at 220 MiB instead of 264. `_rjem_` is the prefix tikv-jemallocator gives
// jemalloc's symbols; the operator's `_RJEM_MALLOC_CONF` still overrides these.
#[repr(transparent)]
struct Options(*const std::ffi::c_char);

// SAFETY: the pointer is to a static string that is never written.
unsafe impl Sync for Options {}

#[used]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: Options =
    Options(c"background_thread:true,max_background_threads:1,narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr());

#[cfg(all(test, target_os = "linux"))]
mod tests {
    // The options above are found by the symbol's name at jemalloc's start; were it renamed or
    // dropped by the linker, jemalloc would silently run with its defaults (no purge thread,
    // eight arenas). Its purge thread is the visible sign they were read.
    #[test]
    fn jemalloc_reads_our_options_and_runs_its_purge_thread() {
        let big = vec![1u8; 8 << 20];
        drop(std::hint::black_box(big));
        let named = |name: &str| {
            std::fs::read_dir("/proc/self/task")
                .into_iter()
                .flatten()
                .flatten()
                .any(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name))
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !named("jemalloc_bg_thd") && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(
            named("jemalloc_bg_thd"),
            "no jemalloc background thread: the _rjem_malloc_conf options were not read"
        );
    }
}
