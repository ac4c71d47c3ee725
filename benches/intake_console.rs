//! The console's frame time while a storm of alerts arrives (issue 11). The console's side is
//! set up as `opsassist tui --listen` sets it up: a real receiver (axum on loopback, bearer
//! auth, durable group-committed SQLite inbox with dedup) and the desk room's inbox view
//! (the code the console's room runs every 250 ms, turned into what the app shows) on the intake background runtime, below the UI thread's priority;
//! each measured frame, on this thread, applies what the follower produced since the last frame
//! and draws the whole dashboard (200x60 unless `OPSASSIST_BENCH_SIZE` says, TestBackend). The storm comes from another process at
//! normal priority, as a sender on the same machine would: this binary run again with
//! `OPSASSIST_STORM_URL`, posting Alertmanager groups of 10 from 8 concurrent HTTP clients,
//! storms of 10,000 alerts one after another: the first opens 10,000 incidents, the later
//! ones notify them again (`OPSASSIST_STORM_NEW=1`: every storm is new alerts).
//! Criterion reports the mean frame; p50/p99/max frames and the ingest rate during the run go
//! to stderr.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use opsassist::config::Investigate;
use opsassist::intake::auth::Auth;
use opsassist::intake::scheduler::{Scheduler, SchedulerOptions};
use opsassist::intake::server::{self, ReceiverOptions};
use opsassist::intake::{Intake, IntakeOptions};
use opsassist::store::SqliteStore;
use opsassist::tui::app::LlmState;
use opsassist::tui::{App, AppEvent, Keymap, ProviderInfo, render};

/// The allocator the `opsassist` binary uses, so the in-process console behaves like it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "bench-token";
const STORM: usize = 10_000;
const GROUP: usize = 10;
const CLIENTS: usize = 8;

fn group(storm: usize, start: usize) -> Vec<u8> {
    let alerts: Vec<String> = (start..start + GROUP)
        .map(|i| {
            format!(
                r#"{{"status":"firing","labels":{{"alertname":"DiskFull","instance":"db-{i}:9100","severity":"critical"}},"annotations":{{"summary":"Disk almost full on db-{i} (storm {storm})"}},"startsAt":"2026-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://p","fingerprint":"s{storm}-{i:08x}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"version":"4","status":"firing","receiver":"opsassist","groupLabels":{{}},"commonLabels":{{}},"commonAnnotations":{{}},"externalURL":"http://am","alerts":[{}]}}"#,
        alerts.join(",")
    )
    .into_bytes()
}

/// Post storms of [`STORM`] alerts, forever (the sender process). The first storm opens
/// 10,000 incidents and every later one notifies the same alerts again, as Alertmanager does
/// for a group that stays firing (each a dedup: count and last seen). With `all_new`, every
/// storm is 10,000 new alerts instead, so open incidents pile up without bound.
async fn storms(url: String, all_new: bool) {
    let client = reqwest::Client::new();
    let mut storm = 0usize;
    loop {
        let id = if all_new { storm } else { 0 };
        let bodies: Arc<Vec<Vec<u8>>> =
            Arc::new((0..STORM / GROUP).map(|g| group(id, g * GROUP)).collect());
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (client, url, bodies, next) =
                (client.clone(), url.clone(), bodies.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(body) = bodies.get(i) else { break };
                    let _ = client
                        .post(&url)
                        .header("authorization", format!("Bearer {TOKEN}"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
        storm += 1;
    }
}

/// The sender process: storms at `url` until its stdin closes (the bench ended or died).
fn sender(url: String) {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    // `OPSASSIST_STORM_NICE=19` stands in for senders on other machines: the storm then takes
    // only the CPU nothing else on this one wants.
    let nice: i32 = std::env::var("OPSASSIST_STORM_NICE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || {
            let tid = rustix::thread::gettid();
            let _ = rustix::process::setpriority_process(Some(tid), nice);
        })
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("sender runtime: {e}"));
    let all_new = std::env::var("OPSASSIST_STORM_NEW").is_ok_and(|v| v == "1");
    runtime.block_on(storms(url, all_new));
}

/// Kills the sender process when the bench ends, however it ends.
struct Sender(std::process::Child);

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// This thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`), and its time spent runnable but
/// waiting for a CPU (`/proc/thread-self/schedstat`): a slow frame that mostly waited was
/// preempted, not busy.
fn thread_sched() -> (Duration, Duration) {
    let cpu = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let waited = text
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default();
    (cpu, waited)
}

/// The machine's steal time so far, in clock ticks (`/proc/stat`, `cpu` line, 8th value): time
/// the hypervisor ran something else while a vCPU wanted to run. A frame during which it moved
/// may have been stopped mid-work; the thread's CPU clock still counts that time.
fn steal_ticks() -> u64 {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|text| {
            let line = text.lines().next()?;
            line.split_whitespace().nth(8)?.parse().ok()
        })
        .unwrap_or(0)
}

/// This thread's page faults (minor and major) and involuntary context switches so far: how
/// often the kernel mapped fresh memory for it, and how often it took the CPU away mid-work.
fn thread_faults() -> (i64, i64, i64) {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_THREAD)
        .map(|u| {
            (
                u.minor_page_faults() + u.major_page_faults(),
                u.involuntary_context_switches(),
                u.voluntary_context_switches(),
            )
        })
        .unwrap_or((0, 0, 0))
}

/// One measured frame.
struct Frame {
    wall: Duration,
    /// Of `wall`, applying what the follower produced.
    apply: Duration,
    /// This thread's time on a CPU and waiting for one, read outside the timed part.
    on_cpu: Duration,
    waiting: Duration,
    /// The machine's steal time moved during the frame.
    stolen: bool,
    /// Page faults this thread took during the frame (fresh memory the kernel had to map).
    faults: i64,
    /// Times the kernel preempted this thread during the frame to run another.
    preempted: i64,
    /// Times the thread itself gave up the CPU during the frame (waited on a lock or IO).
    blocked: i64,
}

/// Apply what the follower produced since the last frame and draw the dashboard, timed.
fn frame(
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    rx: &mpsc::Receiver<Vec<AppEvent>>,
) -> Frame {
    let steal = steal_ticks();
    let (faults, switches, yields) = thread_faults();
    let before = thread_sched();
    let t = Instant::now();
    while let Ok(events) = rx.try_recv() {
        for event in events {
            app.apply_app_event(event);
        }
    }
    let apply = t.elapsed();
    terminal
        .draw(|f| render(app, f))
        .unwrap_or_else(|e| panic!("draw: {e}"));
    let wall = t.elapsed();
    let after = thread_sched();
    let (faults_after, switches_after, yields_after) = thread_faults();
    Frame {
        wall,
        apply,
        on_cpu: after.0 - before.0,
        waiting: after.1 - before.1,
        stolen: steal_ticks() != steal,
        faults: faults_after - faults,
        preempted: switches_after - switches,
        blocked: yields_after - yields,
    }
}

/// p50/p99/max of `frames` and, for the slowest 1%, where their time went.
fn summary(name: &str, frames: &mut [Frame]) {
    frames.sort_by_key(|f| f.wall);
    let walls: Vec<Duration> = frames.iter().map(|f| f.wall).collect();
    let slow = &frames[frames.len() - frames.len().div_ceil(100)..];
    let mean = |f: fn(&Frame) -> Duration| {
        slow.iter().map(f).sum::<Duration>() / (slow.len().max(1) as u32)
    };
    let mut cpus: Vec<Duration> = frames.iter().map(|f| f.on_cpu).collect();
    cpus.sort();
    eprintln!(
        "{name}: {} frames, {}; CPU time per frame {}; slowest 1% ({} frames): wall {:.2?} (applying events {:.2?}), on CPU {:.2?}, waiting for a CPU {:.2?}",
        frames.len(),
        spread(&walls),
        spread(&cpus),
        slow.len(),
        mean(|f| f.wall),
        mean(|f| f.apply),
        mean(|f| f.on_cpu),
        mean(|f| f.waiting),
    );
    let faulted = |fs: &[Frame]| fs.iter().filter(|f| f.faults > 0).count();
    eprintln!(
        "  page faults during {} of {} frames, and {} of the slowest 1% ({} faults in those)",
        faulted(frames),
        frames.len(),
        faulted(slow),
        slow.iter().map(|f| f.faults).sum::<i64>(),
    );
    // Wall times of the frames `keep` selects (frames is sorted), as "N frames: p50, p99, max".
    let subset = |keep: &dyn Fn(&Frame) -> bool| {
        let walls: Vec<Duration> = frames.iter().filter(|f| keep(f)).map(|f| f.wall).collect();
        format!("{} frames: {}", walls.len(), spread(&walls))
    };
    let stolen = frames.iter().filter(|f| f.stolen).count();
    eprintln!(
        "  steal time moved during {stolen} of {} frames ({:.1}%) and {} of the slowest 1%; the other {}",
        frames.len(),
        100.0 * stolen as f64 / frames.len().max(1) as f64,
        slow.iter().filter(|f| f.stolen).count(),
        subset(&|f| !f.stolen),
    );
    // The frames the kernel let run to the end: neither preempted nor stolen from. Their wall
    // time is the frame's own cost.
    eprintln!(
        "  preempted during {} of {} frames and {} of the slowest 1%; neither preempted nor stolen from: {}",
        frames.iter().filter(|f| f.preempted > 0).count(),
        frames.len(),
        slow.iter().filter(|f| f.preempted > 0).count(),
        subset(&|f| f.preempted == 0 && !f.stolen),
    );
    let worst: Vec<String> = frames
        .iter()
        .rev()
        .take(5)
        .map(|f| {
            format!(
                "{:.2?} ({:.2?} on CPU, {:.2?} waiting, preempted {}x, blocked {}x{}{})",
                f.wall,
                f.on_cpu,
                f.waiting,
                f.preempted,
                f.blocked,
                if f.faults > 0 { ", faulted" } else { "" },
                if f.stolen { ", steal" } else { "" },
            )
        })
        .collect();
    eprintln!("  slowest frames: {}", worst.join("; "));
}

/// "p50 …, p99 …, max …" of sorted durations.
fn spread(sorted: &[Duration]) -> String {
    format!(
        "p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        percentile(sorted, 0.5),
        percentile(sorted, 0.99),
        sorted.last().copied().unwrap_or_default(),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn bench(c: &mut Criterion) {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        eprintln!("intake_console: load average {}", load.trim());
    }
    // The intake runtime `opsassist tui` runs its receiver and follower on, or for comparison
    // (`OPSASSIST_BENCH_INTAKE=plain`) one at the UI thread's own priority, as before it.
    let variant = std::env::var("OPSASSIST_BENCH_INTAKE").unwrap_or_default();
    let background = match variant.as_str() {
        "plain" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build(),
        _ => opsassist::intake::background::runtime(),
    }
    .unwrap_or_else(|e| panic!("intake runtime: {e}"));
    let all_new = std::env::var("OPSASSIST_STORM_NEW").is_ok_and(|v| v == "1");
    eprintln!(
        "intake_console: intake runtime {}, sender nice {}, {}",
        if variant == "plain" {
            "plain"
        } else {
            "background"
        },
        std::env::var("OPSASSIST_STORM_NICE").unwrap_or_else(|_| "0".into()),
        if all_new {
            "every storm new alerts"
        } else {
            "the same 10,000 alerts storm after storm"
        }
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let store = Arc::new(
        SqliteStore::at(&dir.path().join("store.db")).unwrap_or_else(|e| panic!("store: {e}")),
    );
    let (url, metrics) = background.block_on({
        let store = store.clone();
        async move {
            // Opened on a background thread, so the writer thread it starts runs lowered too.
            let intake = tokio::task::spawn_blocking(move || {
                Intake::open(
                    store,
                    IntakeOptions {
                        inbox_capacity: 10_000_000,
                        ..IntakeOptions::default()
                    },
                )
            })
            .await
            .unwrap_or_else(|e| panic!("intake: {e}"))
            .unwrap_or_else(|e| panic!("intake: {e}"));
            let metrics = intake.metrics().clone();
            let receiver = server::bind(
                "127.0.0.1:0",
                intake,
                ReceiverOptions {
                    auth: Auth::new(Some(TOKEN), &[]),
                    max_bytes: 10 << 20,
                    rate_per_client: 0,
                    rate_burst: 0,
                    request_timeout: Duration::from_secs(30),
                    ..ReceiverOptions::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
            let url = format!("http://{}/v1/alerts", receiver.addr);
            tokio::spawn(receiver.serve(std::future::pending()));
            (url, metrics)
        }
    });
    let acked = || metrics.accepted.load(Ordering::Relaxed);
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let _sender = Sender(
        std::process::Command::new(exe)
            .env("OPSASSIST_STORM_URL", &url)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("sender process: {e}")),
    );
    let stop = Arc::new(AtomicBool::new(false));

    // The console's follower, as the TUI runs it (every 250 ms, on the background runtime).
    let (tx, rx) = mpsc::channel::<Vec<AppEvent>>();
    let polls = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let follower = {
        let (store, stop, polls) = (store.clone(), stop.clone(), polls.clone());
        background.spawn_blocking(move || {
            let mut scheduler = Scheduler::new(SchedulerOptions {
                investigate: Investigate::Manual,
                max_concurrent: 3,
                min_severity: None,
            });
            let (mut first, mut listed) = (true, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                // What the desk's room does each poll, and what the console makes of it.
                let events: Vec<AppEvent> = match scheduler.poll(store.as_ref()) {
                    Ok(update) => {
                        opsassist::desk::room::view_events(&scheduler, &update, first, &mut listed)
                            .into_iter()
                            .filter_map(opsassist::tui::view_event)
                            .collect()
                    }
                    Err(_) => Vec::new(),
                };
                first = false;
                polls
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(t.elapsed());
                if tx.send(events).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };

    // `OPSASSIST_BENCH_SIZE=160x45` draws a smaller terminal (the default is 200x60).
    let (width, height) = std::env::var("OPSASSIST_BENCH_SIZE")
        .ok()
        .and_then(|size| {
            let (w, h) = size.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or((200u16, 60u16));
    eprintln!("intake_console: terminal {width}x{height}");
    let mut app = App::new(
        Keymap::default(),
        ProviderInfo {
            name: "openai".into(),
            model: "bench".into(),
            base_url: "http://127.0.0.1:8080/v1".into(),
        },
    );
    app.llm = LlmState::Reachable;
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).unwrap_or_else(|e| panic!("terminal: {e}"));
    let mut frames: Vec<Frame> = Vec::new();
    let started = Instant::now();
    let acked_before = acked();
    c.bench_function(
        &format!("console frame while 10,000-alert storms arrive ({width}x{height})"),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let measured = frame(&mut app, &mut terminal, &rx);
                    total += measured.wall;
                    frames.push(measured);
                }
                total
            })
        },
    );
    let elapsed = started.elapsed();
    let acked_now = acked() - acked_before;
    // The console itself draws at most every 33 ms (event_loop's FRAME) and sleeps between
    // frames; the loop above draws back to back. Measure that cadence too, for as long.
    let mut paced: Vec<Frame> = Vec::new();
    let benching = std::env::args().any(|a| a == "--bench");
    let paced_for = if benching {
        std::env::var("OPSASSIST_BENCH_PACED_SECS")
            .ok()
            .and_then(|n| n.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or_else(|| elapsed.min(Duration::from_secs(10)))
    } else {
        Duration::ZERO
    };
    let paced_start = Instant::now();
    let paced_acked = acked();
    let mut tick = paced_start;
    // Alerts accepted in each 5 s of the paced run: shows the storm kept arriving throughout.
    let mut per_5s = Vec::new();
    let mut mark = (paced_start, acked());
    while tick.duration_since(paced_start) < paced_for {
        tick += Duration::from_millis(33);
        std::thread::sleep(tick.saturating_duration_since(Instant::now()));
        paced.push(frame(&mut app, &mut terminal, &rx));
        if mark.0.elapsed() >= Duration::from_secs(5) {
            let now = acked();
            per_5s.push(now - mark.1);
            mark = (Instant::now(), now);
        }
    }
    let paced_elapsed = paced_start.elapsed();
    let paced_acked = acked() - paced_acked;
    // In test mode (`cargo test --benches`) the measurement is one frame, drawn before the
    // first storm lands: keep drawing (not measured) until the follower has brought it in,
    // so the check below is about the dashboard, not about how long the run was.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        while let Ok(events) = rx.try_recv() {
            for event in events {
                app.apply_app_event(event);
            }
        }
        terminal
            .draw(|f| render(&app, f))
            .unwrap_or_else(|e| panic!("draw: {e}"));
        let shown = format!("{:?}", terminal.backend().buffer()).contains("Disk almost full");
        if shown || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let _ = background.block_on(follower);
    summary("console frames back to back", &mut frames);
    if !paced.is_empty() {
        summary("console frames every 33 ms", &mut paced);
        eprintln!(
            "  while paced: {paced_acked} alerts accepted in {:.1} s ({:.0}/s)",
            paced_elapsed.as_secs_f64(),
            paced_acked as f64 / paced_elapsed.as_secs_f64().max(1e-9)
        );
        eprintln!("  accepted in each 5 s while paced: {per_5s:?}");
    }
    let mut polls = polls.lock().unwrap_or_else(|p| p.into_inner()).clone();
    polls.sort();
    eprintln!(
        "  back to back: {} alerts accepted in {:.1} s ({:.0}/s); follower poll p50 {:?}, max {:?}",
        acked_now,
        elapsed.as_secs_f64(),
        acked_now as f64 / elapsed.as_secs_f64().max(1e-9),
        percentile(&polls, 0.5),
        polls.last().copied().unwrap_or_default(),
    );
    let screen = format!("{:?}", terminal.backend().buffer());
    assert!(
        screen.contains("Disk almost full"),
        "the storm reached the dashboard"
    );
}

fn main() {
    if let Ok(url) = std::env::var("OPSASSIST_STORM_URL") {
        sender(url);
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
