//! Test harness for nlwire's integration scenarios.
//!
//! * [`TestNs`]: a named network namespace with a unique name, created with
//!   `ip netns add` and removed (with everything in it) when dropped. Tests
//!   never touch the host's own namespace. Or a namespace of a simulated
//!   kernel ([`TestNs::simulated`], `nlwire-sim`): the same scenario runs
//!   on either, `ip` being `nlw` in the test process on the simulator.
//! * [`Runtime`]: the four runtimes every scenario runs on — mio, the
//!   test-only `poll(2)` runtime ([`PollWait`]), tokio and async-io — and
//!   what a scenario can open on each: a route [`Client`]
//!   ([`Runtime::client`]), a generic netlink [`GenlClient`] with its
//!   WireGuard watcher ([`Runtime::genl_client`]), a namespace watcher
//!   ([`Runtime::ns_watch`]). Every runtime-specific line lives here.
//! * [`per_runtime!`]: one `#[test]` per runtime for each scenario, so a
//!   scenario is written once (`mio::a`, `poll::a`, `tokio::a`,
//!   `async_io::a`); [`on_sim!`] declares them again on the simulator
//!   (`sim::mio::a`, …), needing no privilege.
//! * Privilege handling: without root the tests print why they were skipped;
//!   with `CI=true` a missing privilege is a failure.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use nlwire::genl::ctrl::{Family, GetFamily};
use nlwire::genl::wireguard::{Device, DeviceConfig};
use nlwire::machine::mirror::MirrorEvent;
use nlwire::machine::ns_watch::{NsEvent, NsWatchOptions};
use nlwire::machine::wg_watch::{WgEvent, WgWatchOptions};
use nlwire::request::Request;
use nlwire::route::events::{Groups, Notice};
use nlwire::route::{
    Address, BridgeVlans, FdbEntry, GetBridgeVlans, GetFdbEntries, GetNeighbours,
    GetNexthopBuckets, GetNexthops, GetRoutes, GetRules, Link, Neighbour, Nexthop, NexthopBucket,
    Route, Rule,
};
use nlwire::{Batch, BatchOutcome, Error, LinkRef, Op};
use nlwire_conn::{Connect, ConnectionOptions};
use nlwire_sys::netns::Netns;

/// Whether this process can create network namespaces. Without it, tests
/// skip (printing why) — unless `CI=true`, where they fail.
pub fn privileged_or_skip(test: &str) -> bool {
    // A real attempt to unshare a network namespace on a throwaway thread.
    let ok = nlwire_sys::netns::run_in_new_netns(|| ()).is_ok()
        && Command::new("ip").arg("-V").output().is_ok();
    if ok {
        return true;
    }
    let why = "needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN to create network namespaces) and iproute2's `ip`";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {why}, and CI=true forbids skipping");
    }
    say_skipped(test, why);
    false
}

/// Prints `SKIPPED test: why` straight to the process's stderr, past the
/// test harness's output capture, so a skip is visible in a passing run.
pub fn say_skipped(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The kernel series when running inside the VM harness
/// (`tests/vm/nlwire-vm` sets `NLWIRE_VM`), where every module the tests
/// use is present, so a missing one is a failure rather than a skip.
pub fn vm_kernel() -> Option<String> {
    std::env::var("NLWIRE_VM").ok()
}

/// Whether this kernel has the wireguard generic netlink family (any
/// other error than its absence is a failure).
pub fn has_wireguard() -> bool {
    let mut c = nlwire_mio::Connection::generic().expect("generic netlink socket");
    match c.family("wireguard") {
        Ok(_) => true,
        Err(Error::FamilyNotFound { .. }) => false,
        Err(e) => panic!("looking up the wireguard family: {e}"),
    }
}

/// Whether a WireGuard test can run: privileged (see
/// [`privileged_or_skip`]) and on a kernel with WireGuard. Without the
/// module it skips, printing why, except inside the VM harness, whose
/// kernels must have it (a panic there).
pub fn wireguard_or_skip(test: &str) -> bool {
    if !privileged_or_skip(test) {
        return false;
    }
    if has_wireguard() {
        return true;
    }
    if let Some(vm) = vm_kernel() {
        panic!("{test}: the VM kernel {vm} has no WireGuard");
    }
    say_skipped(
        test,
        "this kernel has no wireguard module; it runs in the VM harness \
         (tests/vm/nlwire-vm, run by .ci/run)",
    );
    false
}

/// Whether a tun/tap test can run: privileged (see
/// [`privileged_or_skip`]) and on a kernel with tun (`/dev/net/tun`).
/// Without it the test skips, printing why, except inside the VM harness,
/// whose kernels must have it (a panic there).
pub fn tun_or_skip(test: &str) -> bool {
    if !privileged_or_skip(test) {
        return false;
    }
    if Path::new(nlwire_sys::tun::TUN_DEVICE).exists() {
        return true;
    }
    if let Some(vm) = vm_kernel() {
        panic!("{test}: the VM kernel {vm} has no /dev/net/tun");
    }
    say_skipped(
        test,
        "this kernel has no tun module (/dev/net/tun); it runs in the VM harness \
         (tests/vm/nlwire-vm, run by .ci/run)",
    );
    false
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A network namespace private to one test: a named namespace of the real
/// kernel ([`TestNs::create`]), or a namespace of a simulated kernel of its
/// own ([`TestNs::simulated`], `nlwire-sim`). A scenario written against
/// `TestNs` runs on either: connections come from [`TestNs::transport`],
/// and [`TestNs::ip`] runs `ip` on the kernel and `nlw` (ip's syntax and
/// output, in this process) on the simulator.
#[derive(Debug)]
pub struct TestNs {
    name: String,
    sim: Option<SimNs>,
}

/// Where a simulated [`TestNs`] lives.
#[derive(Debug)]
struct SimNs {
    kernel: nlwire_sim::Kernel,
    ns: nlwire_sim::NsId,
}

impl TestNs {
    /// Creates `nlwt-<pid>-<n>` with `ip netns add` and brings `lo` up.
    pub fn create() -> TestNs {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("nlwt-{}-{n}", std::process::id());
        run("ip", &["netns", "add", &name]);
        let ns = TestNs { name, sim: None };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// A namespace of a fresh simulated kernel (`nlwire-sim`), named as
    /// [`TestNs::create`] names one, with `lo` up. No privilege needed.
    ///
    /// With `NLWIRE_SIM_EXPECT_UNPRIVILEGED=1` (how `.ci/run` runs the
    /// scenarios on the simulator, as uid 65534) it first checks that the
    /// process cannot create a network namespace: the scenario then runs
    /// with no privilege to lean on.
    pub fn simulated() -> TestNs {
        if std::env::var("NLWIRE_SIM_EXPECT_UNPRIVILEGED").is_ok_and(|v| v == "1") {
            assert!(
                nlwire_sys::netns::run_in_new_netns(|| ()).is_err(),
                "expected to run without the privilege to create a namespace"
            );
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("nlwt-sim-{}-{n}", std::process::id());
        let kernel = nlwire_sim::Kernel::new();
        let id = kernel
            .add_netns(&name)
            .expect("a namespace of the simulator");
        let ns = TestNs {
            name,
            sim: Some(SimNs { kernel, ns: id }),
        };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// Whether it is a namespace of the simulated kernel.
    pub fn is_simulated(&self) -> bool {
        self.sim.is_some()
    }

    /// The simulated kernel and namespace (`None` on the real kernel).
    pub fn sim(&self) -> Option<(&nlwire_sim::Kernel, nlwire_sim::NsId)> {
        self.sim.as_ref().map(|s| (&s.kernel, s.ns))
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its path under `/var/run/netns`. A simulated namespace has none:
    /// a scenario that needs one does not run on the simulator.
    pub fn path(&self) -> PathBuf {
        assert!(
            self.sim.is_none(),
            "{}: a simulated namespace has no path (open connections with TestNs::transport)",
            self.name
        );
        PathBuf::from(format!("/var/run/netns/{}", self.name))
    }

    /// A socket in the namespace, for any runtime's
    /// `Connection::from_transport`: a netlink socket opened inside it, or
    /// a socket of the simulated kernel (which takes the receive buffer
    /// from `opts` and ignores the rest: it speaks `NETLINK_ROUTE` with
    /// extended acks and strict checking).
    pub fn transport(&self, opts: &nlwire_sys::SocketOptions) -> NsSocket {
        match &self.sim {
            None => NsSocket::Kernel(
                nlwire_conn::open_socket(Some(&self.path()), opts)
                    .unwrap_or_else(|e| panic!("open a socket in {}: {e}", self.name)),
            ),
            Some(s) => {
                let sock = s
                    .kernel
                    .socket(s.ns)
                    .unwrap_or_else(|e| panic!("open a socket in {}: {e}", self.name));
                if let Some(b) = opts.recv_buffer {
                    sock.set_recv_buffer(b);
                }
                NsSocket::Sim(sock)
            }
        }
    }

    /// Runs `ip -n NAME args…` and panics on failure. On the simulator it
    /// runs `nlw` in this process on a fresh connection (as `ip` opens
    /// one), with the same arguments.
    pub fn ip(&self, args: &[&str]) -> String {
        if let Some(s) = &self.sim {
            let sock = s.kernel.socket(s.ns).expect("a socket of the simulator");
            let mut conn =
                nlwire_mio::Connection::from_transport(sock, ConnectionOptions::default())
                    .expect("a connection to the simulator");
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let mut out = Vec::new();
            if let Err(e) = nlw::run_on(&mut conn, &args, &mut out) {
                panic!("nlw (for ip) {args:?} on the simulator failed: {e}");
            }
            return String::from_utf8(out).expect("utf-8 output");
        }
        let mut a = vec!["-n", &self.name];
        a.extend_from_slice(args);
        run("ip", &a)
    }

    /// Runs `ip -n NAME -j args…` and parses the JSON.
    pub fn ip_json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["-j"];
        a.extend_from_slice(args);
        let out = self.ip(&a);
        if out.trim().is_empty() {
            return serde_json::Value::Array(vec![]);
        }
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("ip -j {args:?}: {e}: {out}"))
    }

    /// Runs iproute2's `bridge -n NAME args…` and panics on failure (the
    /// real kernel only).
    pub fn bridge(&self, args: &[&str]) -> String {
        let mut a = vec!["-n", self.kernel_name("bridge")];
        a.extend_from_slice(args);
        run("bridge", &a)
    }

    /// Runs `bridge -n NAME -j args…` and parses the JSON.
    pub fn bridge_json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["-j"];
        a.extend_from_slice(args);
        let out = self.bridge(&a);
        if out.trim().is_empty() {
            return serde_json::Value::Array(vec![]);
        }
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("bridge -j {args:?}: {e}: {out}"))
    }

    /// The name, for a tool that needs the real kernel.
    fn kernel_name(&self, tool: &str) -> &str {
        assert!(
            self.sim.is_none(),
            "{}: `{tool}` runs on the real kernel only",
            self.name
        );
        &self.name
    }

    /// Waits (up to 10 s) until `ip link show dev DEV` contains `state`,
    /// e.g. `"state LOWERLAYERDOWN"`. The kernel's link watcher sets a
    /// link's operstate and carrier some time after `link set up`; a test
    /// that compares two readings must wait for it, or the watcher may run
    /// between them (seen on slow VMs).
    pub fn wait_for_state(&self, dev: &str, state: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !self.ip(&["link", "show", "dev", dev]).contains(state) {
            assert!(
                std::time::Instant::now() < deadline,
                "{dev} never reached {state}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Runs `ip -n NAME -batch FILE` with the given lines.
    pub fn ip_batch(&self, lines: &str) {
        let path = std::env::temp_dir().join(format!("{}.batch", self.name));
        std::fs::write(&path, lines).expect("write batch file");
        self.ip(&["-batch", path.to_str().expect("utf-8 path")]);
        let _ = std::fs::remove_file(path);
    }
}

impl Drop for TestNs {
    fn drop(&mut self) {
        if self.sim.is_none() {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.name])
                .output();
        }
    }
}

/// A socket in a [`TestNs`]: the real kernel's or the simulator's, one
/// [`Transport`](nlwire_conn::Transport) for every runtime.
#[derive(Debug)]
pub enum NsSocket {
    /// A netlink socket opened inside a named namespace.
    Kernel(nlwire_sys::NetlinkSocket),
    /// A socket of a simulated kernel.
    Sim(nlwire_sim::Socket),
}

impl std::os::fd::AsFd for NsSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match self {
            NsSocket::Kernel(s) => s.as_fd(),
            NsSocket::Sim(s) => s.as_fd(),
        }
    }
}

impl nlwire_conn::Transport for NsSocket {
    fn send(&self, datagram: &[u8]) -> std::io::Result<()> {
        match self {
            NsSocket::Kernel(s) => nlwire_conn::Transport::send(s, datagram),
            NsSocket::Sim(s) => s.send(datagram),
        }
    }
    fn recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            NsSocket::Kernel(s) => nlwire_conn::Transport::recv(s, buf),
            NsSocket::Sim(s) => s.recv(buf),
        }
    }
    fn recv_from(&self, buf: &mut [u8]) -> std::io::Result<(usize, u32)> {
        match self {
            NsSocket::Kernel(s) => nlwire_conn::Transport::recv_from(s, buf),
            NsSocket::Sim(s) => s.recv_from(buf),
        }
    }
    fn join(&self, group: u32) -> std::io::Result<()> {
        match self {
            NsSocket::Kernel(s) => nlwire_conn::Transport::join(s, group),
            NsSocket::Sim(s) => s.join(group),
        }
    }
    fn port(&self) -> u32 {
        match self {
            NsSocket::Kernel(s) => nlwire_conn::Transport::port(s),
            NsSocket::Sim(s) => s.port(),
        }
    }
}

/// Changes a namespace as fast as `ip` can: `ip -n NS -force -batch -`,
/// fed the same lines over and over until dropped. The tests use it to
/// make the kernel mark dumps interrupted (`NLM_F_DUMP_INTR`).
#[derive(Debug)]
pub struct Churn {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    child: Option<std::process::Child>,
    feeder: Option<std::thread::JoinHandle<()>>,
}

impl Churn {
    /// Starts feeding `lines` (each ending in a newline) to `ip -batch` in
    /// `ns`; errors of single lines are ignored (`-force`).
    pub fn start(ns: &TestNs, lines: &'static str) -> Churn {
        Churn::paced(ns, lines, Duration::ZERO)
    }

    /// Like [`Churn::start`], feeding `lines` once per `pause` (a pace a
    /// slow machine, such as the qemu guests, can follow). On the
    /// simulator a thread runs the lines through `nlw` on one connection.
    pub fn paced(ns: &TestNs, lines: &'static str, pause: Duration) -> Churn {
        use std::io::Write;
        use std::process::Stdio;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        if let Some((kernel, id)) = ns.sim() {
            let sock = kernel.socket(id).expect("a socket of the simulator");
            let feeder = std::thread::spawn(move || {
                let mut conn =
                    nlwire_mio::Connection::from_transport(sock, ConnectionOptions::default())
                        .expect("a connection to the simulator");
                let lines: Vec<Vec<String>> = lines
                    .lines()
                    .map(|l| l.split_whitespace().map(String::from).collect())
                    .filter(|w: &Vec<String>| !w.is_empty())
                    .collect();
                while !s.load(Ordering::Relaxed) {
                    for words in &lines {
                        // `-force`: a failing line does not stop the churn.
                        let _ = nlw::run_on(&mut conn, words, &mut std::io::sink());
                    }
                    if pause.is_zero() {
                        std::thread::yield_now();
                    } else {
                        std::thread::sleep(pause);
                    }
                }
            });
            return Churn {
                stop,
                child: None,
                feeder: Some(feeder),
            };
        }
        let mut child = Command::new("ip")
            .args(["-n", ns.name(), "-force", "-batch", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ip -batch");
        let mut stdin = child.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if stdin.write_all(lines.as_bytes()).is_err() {
                    return;
                }
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
            }
        });
        Churn {
            stop,
            child: Some(child),
            feeder: Some(feeder),
        }
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(c) = &mut self.child {
            let _ = c.kill();
        }
        if let Some(f) = self.feeder.take() {
            let _ = f.join();
        }
        if let Some(c) = &mut self.child {
            let _ = c.wait();
        }
    }
}

/// Runs a command, panicking with its stderr if it fails.
pub fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    stdout_of(cmd, args, out)
}

/// The stdout of a finished command; panics with its stderr if it failed.
fn stdout_of(cmd: &str, args: &[&str], out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs a command with `input` on its stdin, panicking with its stderr if
/// it fails; returns its stdout.
pub fn run_with_input(cmd: &str, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .unwrap_or_else(|e| panic!("{cmd}: write stdin: {e}"));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    stdout_of(cmd, args, out)
}

/// The size of a kernel benchmark run: `(routes, runs)`, or `None` when it
/// must not run (no privileges outside CI; printed as a skip). `-- --test`
/// on the command line selects the smoke size (`smoke` routes, one run);
/// otherwise `NLWIRE_BENCH_ROUTES` and `NLWIRE_BENCH_RUNS`, defaulting to
/// `routes` and `runs`.
pub fn bench_size(name: &str, routes: u32, runs: u32, smoke: u32) -> Option<(u32, u32)> {
    if !privileged_or_skip(name) {
        return None;
    }
    if std::env::args().any(|a| a == "--test") {
        return Some((smoke, 1));
    }
    let env = |k: &str, d: u32| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    Some((
        env("NLWIRE_BENCH_ROUTES", routes),
        env("NLWIRE_BENCH_RUNS", runs),
    ))
}

/// The `i`-th of many distinct IPv4 /32 route destinations inside the
/// documentation ranges: 768 per table, in tables 1000, 1001, …
pub fn doc_route_v4(i: u32) -> (std::net::Ipv4Addr, u32) {
    const RANGES: [[u8; 3]; 3] = [[192, 0, 2], [198, 51, 100], [203, 0, 113]];
    let r = RANGES[((i % 768) / 256) as usize];
    (
        std::net::Ipv4Addr::new(r[0], r[1], r[2], (i % 256) as u8),
        1000 + i / 768,
    )
}

/// Installs the first `n` routes of [`doc_route_v4`] (/32s out of link
/// `oif`) through `conn`, in batches of 100,000 that stop at the first
/// failure, and panics on one: for the benchmarks that need a big table.
pub fn install_doc_routes(conn: &mut nlwire_mio::Connection, oif: u32, n: u32) {
    let mut done = 0;
    while done < n {
        let chunk = (n - done).min(100_000);
        let mut b = Batch::with_capacity(chunk as usize, 64)
            .options(nlwire::BatchOptions::default().stop_on_error(true));
        for i in done..done + chunk {
            let (dst, table) = doc_route_v4(i);
            let r = nlwire::route::RouteRequest::add(std::net::IpAddr::V4(dst), 32)
                .expect("prefix")
                .oif(oif)
                .expect("index")
                .table(table);
            b.push(&r).expect("encode");
        }
        let out = conn.batch(&b).expect("batch");
        assert!(out.is_ok(), "{:?}", out.failures().first());
        done += chunk;
    }
}

/// What a scenario can ask of a connection, on any runtime.
pub trait Client {
    /// The runtime.
    fn runtime(&self) -> Runtime;
    /// A request answered by an acknowledgement.
    fn request(&mut self, req: &dyn Request) -> Result<(), Error>;
    /// A request answered by one link.
    fn get_link(&mut self, req: &dyn Request) -> Result<Link, Error>;
    /// All links.
    fn links(&mut self) -> Result<Vec<Link>, Error>;
    /// Routes matching `req`.
    fn routes(&mut self, req: GetRoutes) -> Result<Vec<Route>, Error>;
    /// Number of reply views of a dump, counted with the zero-copy form.
    fn count_views(&mut self, req: &dyn Request) -> Result<usize, Error>;
    /// Starts a route dump, takes `n` items, drops the rest.
    fn routes_take(&mut self, n: usize) -> Result<Vec<Route>, Error>;
    /// Runs `names.len()` GET-link requests concurrently on one connection;
    /// `None` on a runtime without concurrency (blocking).
    fn concurrent_get_links(&mut self, names: &[String]) -> Option<Vec<Result<Link, Error>>>;
    /// Runs `n` link dumps and `n` route dumps concurrently on one
    /// connection and returns each one's item count; `None` on a runtime
    /// without concurrency.
    fn concurrent_dumps(&mut self, n: usize) -> Option<Vec<Result<usize, Error>>>;
    /// Replaces the connection with one in `ns` whose reply timeout is
    /// `timeout`.
    fn reopen_with_timeout(&mut self, ns: &TestNs, timeout: std::time::Duration) {
        self.reopen_with(ns, options(timeout));
    }
    /// Replaces the connection with one opened with `opts`.
    fn reopen_with(&mut self, ns: &TestNs, opts: ConnectionOptions);
    /// Counters of messages that matched no request.
    fn stats(&self) -> nlwire::machine::Stats;
    /// Joins multicast groups.
    fn subscribe(&mut self, groups: Groups) -> Result<(), Error>;
    /// The next notification, waiting at most `timeout`.
    fn next_event_within(&mut self, timeout: Duration) -> Result<Option<Notice>, Error>;
    /// Runs an operation returning nothing.
    fn exec(&mut self, op: &mut dyn Op<Output = ()>) -> Result<(), Error>;
    /// Runs an operation returning a flag.
    fn exec_bool(&mut self, op: &mut dyn Op<Output = bool>) -> Result<bool, Error>;
    /// Runs an operation returning a count.
    fn exec_count(&mut self, op: &mut dyn Op<Output = usize>) -> Result<usize, Error>;
    /// Runs an operation returning `(index, name)` pairs.
    fn exec_names(
        &mut self,
        op: &mut dyn Op<Output = Vec<(u32, String)>>,
    ) -> Result<Vec<(u32, String)>, Error>;
    /// Runs a batch.
    fn batch(&mut self, b: &Batch) -> Result<BatchOutcome, Error>;
    /// All addresses.
    fn addresses(&mut self) -> Result<Vec<Address>, Error>;
    /// A request answered by one route (a route lookup).
    fn get_route(&mut self, req: &dyn Request) -> Result<Route, Error>;
    /// A typed dump of neighbours.
    fn neighbours(&mut self, req: GetNeighbours) -> Result<Vec<Neighbour>, Error>;
    /// A typed dump of rules.
    fn rules(&mut self) -> Result<Vec<Rule>, Error>;
    /// A typed dump of nexthop objects.
    fn nexthops(&mut self, req: GetNexthops) -> Result<Vec<Nexthop>, Error>;
    /// A request answered by one nexthop object.
    fn get_nexthop(&mut self, req: &dyn Request) -> Result<Nexthop, Error>;
    /// A typed dump of forwarding-database entries.
    fn fdb_entries(&mut self, req: GetFdbEntries) -> Result<Vec<FdbEntry>, Error>;
    /// A request answered by one forwarding-database entry.
    fn get_fdb_entry(&mut self, req: &dyn Request) -> Result<FdbEntry, Error>;
    /// A typed dump of bridges and bridge ports with their VLANs.
    fn bridge_vlans(&mut self, req: GetBridgeVlans) -> Result<Vec<BridgeVlans>, Error>;
    /// A typed dump of the buckets of resilient nexthop groups.
    fn nexthop_buckets(&mut self, req: GetNexthopBuckets) -> Result<Vec<NexthopBucket>, Error>;
    /// A request answered by one bucket of a resilient group.
    fn get_nexthop_bucket(&mut self, req: &dyn Request) -> Result<NexthopBucket, Error>;
}

/// Implements the operation methods of [`Client`] given an expression
/// that runs a future (or a value) to completion.
macro_rules! client_ops {
    ($self:ident, $conn:expr, $run:expr, $addrs:expr) => {
        fn exec(&mut $self, op: &mut dyn Op<Output = ()>) -> Result<(), Error> {
            $run($conn.execute(op))
        }
        fn exec_bool(&mut $self, op: &mut dyn Op<Output = bool>) -> Result<bool, Error> {
            $run($conn.execute(op))
        }
        fn exec_count(&mut $self, op: &mut dyn Op<Output = usize>) -> Result<usize, Error> {
            $run($conn.execute(op))
        }
        fn exec_names(
            &mut $self,
            op: &mut dyn Op<Output = Vec<(u32, String)>>,
        ) -> Result<Vec<(u32, String)>, Error> {
            $run($conn.execute(op))
        }
        fn batch(&mut $self, b: &Batch) -> Result<BatchOutcome, Error> {
            $run($conn.batch(b))
        }
        fn subscribe(&mut $self, groups: Groups) -> Result<(), Error> {
            $conn.subscribe(groups)
        }
        fn next_event_within(&mut $self, timeout: Duration) -> Result<Option<Notice>, Error> {
            $run($conn.next_event_within(timeout))
        }
        fn addresses(&mut $self) -> Result<Vec<Address>, Error> {
            $addrs
        }
        fn get_route(&mut $self, req: &dyn Request) -> Result<Route, Error> {
            $run($conn.get_as(req))
        }
    };
}

fn options(timeout: std::time::Duration) -> nlwire_conn::ConnectionOptions {
    let mut o = nlwire_conn::ConnectionOptions::default();
    o.timeout = timeout;
    o
}

/// A test-only blocking runtime: `poll(2)` on the descriptor, no reactor.
/// It is the whole of a blocking runtime — one trait impl — and runs every
/// scenario, beside mio, tokio and async-io.
#[derive(Debug, Clone, Copy)]
pub struct PollWait;

impl nlwire_conn::blocking::Wait for PollWait {
    type Registration = std::os::fd::OwnedFd;

    fn register(fd: std::os::fd::BorrowedFd<'_>) -> std::io::Result<Self::Registration> {
        fd.try_clone_to_owned()
    }

    fn wait(
        fd: &mut Self::Registration,
        deadline: Option<std::time::Instant>,
    ) -> std::io::Result<()> {
        use std::os::fd::AsFd;
        nlwire_sys::poll::wait_readable(fd.as_fd(), deadline).map(drop)
    }
}

/// Which [`Runtime`] a blocking [`Wait`](nlwire_conn::blocking::Wait)
/// implementation is.
pub trait BlockingRuntime: nlwire_conn::blocking::Wait {
    /// [`Runtime::Mio`], [`Runtime::Poll`].
    const RUNTIME: Runtime;
}

impl BlockingRuntime for nlwire_mio::Mio {
    const RUNTIME: Runtime = Runtime::Mio;
}

impl BlockingRuntime for PollWait {
    const RUNTIME: Runtime = Runtime::Poll;
}

/// A blocking connection on runtime `W`.
pub struct BlockingClient<W: nlwire_conn::blocking::Wait>(pub nlwire_conn::blocking::Connection<W>);

/// The blocking runtime on mio.
pub type MioClient = BlockingClient<nlwire_mio::Mio>;

/// The blocking runtime on plain `poll(2)` ([`PollWait`]).
pub type PollClient = BlockingClient<PollWait>;

impl<W: nlwire_conn::blocking::Wait> BlockingClient<W> {
    /// A connection inside `ns`.
    pub fn open(ns: &TestNs) -> Self {
        BlockingClient(
            nlwire_conn::blocking::Connection::from_transport(
                ns.transport(&Default::default()),
                ConnectionOptions::default(),
            )
            .expect("open blocking connection"),
        )
    }
}

impl<W: BlockingRuntime> Client for BlockingClient<W> {
    fn runtime(&self) -> Runtime {
        W::RUNTIME
    }
    fn request(&mut self, req: &dyn Request) -> Result<(), Error> {
        self.0.request(req)
    }
    fn get_link(&mut self, req: &dyn Request) -> Result<Link, Error> {
        self.0.get_as(req)
    }
    fn links(&mut self) -> Result<Vec<Link>, Error> {
        self.0.links().collect()
    }
    fn routes(&mut self, req: GetRoutes) -> Result<Vec<Route>, Error> {
        self.0.dump(req).collect()
    }
    fn count_views(&mut self, req: &dyn Request) -> Result<usize, Error> {
        let mut n = 0;
        self.0.dump_messages(req, |_| n += 1)?;
        Ok(n)
    }
    fn routes_take(&mut self, n: usize) -> Result<Vec<Route>, Error> {
        self.0.routes().take(n).collect()
    }
    fn concurrent_get_links(&mut self, _: &[String]) -> Option<Vec<Result<Link, Error>>> {
        None
    }
    fn concurrent_dumps(&mut self, _: usize) -> Option<Vec<Result<usize, Error>>> {
        None
    }
    fn reopen_with(&mut self, ns: &TestNs, opts: ConnectionOptions) {
        self.0 =
            nlwire_conn::blocking::Connection::from_transport(ns.transport(&opts.socket), opts)
                .expect("open blocking connection");
    }
    fn stats(&self) -> nlwire::machine::Stats {
        self.0.stats()
    }
    client_ops!(self, self.0, |r| r, self.0.addresses().collect());
    fn neighbours(&mut self, req: GetNeighbours) -> Result<Vec<Neighbour>, Error> {
        self.0.dump(req).collect()
    }
    fn rules(&mut self) -> Result<Vec<Rule>, Error> {
        self.0.dump(GetRules::default()).collect()
    }
    fn nexthops(&mut self, req: GetNexthops) -> Result<Vec<Nexthop>, Error> {
        self.0.dump(req).collect()
    }
    fn get_nexthop(&mut self, req: &dyn Request) -> Result<Nexthop, Error> {
        self.0.get_as(req)
    }
    fn fdb_entries(&mut self, req: GetFdbEntries) -> Result<Vec<FdbEntry>, Error> {
        self.0.dump(req).collect()
    }
    fn get_fdb_entry(&mut self, req: &dyn Request) -> Result<FdbEntry, Error> {
        self.0.get_as(req)
    }
    fn bridge_vlans(&mut self, req: GetBridgeVlans) -> Result<Vec<BridgeVlans>, Error> {
        self.0.dump(req).collect()
    }
    fn nexthop_buckets(&mut self, req: GetNexthopBuckets) -> Result<Vec<NexthopBucket>, Error> {
        self.0.dump(req).collect()
    }
    fn get_nexthop_bucket(&mut self, req: &dyn Request) -> Result<NexthopBucket, Error> {
        self.0.get_as(req)
    }
}

/// Collects a stream by polling it (executor-agnostic).
pub async fn collect<S: Stream + Unpin>(mut s: S, limit: usize) -> Vec<S::Item> {
    let mut v = Vec::new();
    while v.len() < limit {
        match std::future::poll_fn(|cx| Pin::new(&mut s).poll_next(cx)).await {
            Some(x) => v.push(x),
            None => break,
        }
    }
    v
}

/// Polls many futures concurrently on the current task (executor-agnostic
/// join-all).
pub async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx: &mut Context<'_>| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("all ready")).collect()
}

fn collect_ok<T>(v: Vec<Result<T, Error>>) -> Result<Vec<T>, Error> {
    v.into_iter().collect()
}

/// The tokio runtime (multi-threaded, so concurrent requests really run in
/// parallel).
pub struct TokioClient {
    rt: tokio::runtime::Runtime,
    conn: nlwire_tokio::Connection,
}

impl TokioClient {
    /// A connection inside `ns`.
    pub fn open(ns: &TestNs) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let sock = ns.transport(&Default::default());
        let conn = rt
            .block_on(async {
                nlwire_tokio::Connection::from_transport(sock, ConnectionOptions::default())
            })
            .expect("open tokio connection");
        TokioClient { rt, conn }
    }
}

impl Client for TokioClient {
    fn runtime(&self) -> Runtime {
        Runtime::Tokio
    }
    fn request(&mut self, req: &dyn Request) -> Result<(), Error> {
        self.rt.block_on(self.conn.request(req))
    }
    fn get_link(&mut self, req: &dyn Request) -> Result<Link, Error> {
        self.rt.block_on(self.conn.get_as(req))
    }
    fn links(&mut self) -> Result<Vec<Link>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.links(), usize::MAX)))
    }
    fn routes(&mut self, req: GetRoutes) -> Result<Vec<Route>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.dump(req), usize::MAX)))
    }
    fn count_views(&mut self, req: &dyn Request) -> Result<usize, Error> {
        let mut n = 0;
        self.rt.block_on(self.conn.dump_messages(req, |_| n += 1))?;
        Ok(n)
    }
    fn routes_take(&mut self, n: usize) -> Result<Vec<Route>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.routes(), n)))
    }
    fn concurrent_get_links(&mut self, names: &[String]) -> Option<Vec<Result<Link, Error>>> {
        let handles: Vec<_> = names
            .iter()
            .map(|n| {
                let conn = self.conn.clone();
                let n = n.clone();
                self.rt.spawn(async move {
                    let req = nlwire::route::GetLink::by_name(&n).expect("valid name");
                    conn.get(req).await
                })
            })
            .collect();
        Some(
            self.rt
                .block_on(join_all(handles))
                .into_iter()
                .map(|r| r.expect("task panicked"))
                .collect(),
        )
    }
    fn concurrent_dumps(&mut self, n: usize) -> Option<Vec<Result<usize, Error>>> {
        let handles: Vec<_> = (0..2 * n)
            .map(|i| {
                let conn = self.conn.clone();
                self.rt.spawn(async move {
                    let v = if i % 2 == 0 {
                        collect(conn.links(), usize::MAX).await.len()
                    } else {
                        collect(conn.dump(GetRoutes::ipv6()), usize::MAX)
                            .await
                            .into_iter()
                            .collect::<Result<Vec<_>, _>>()?
                            .len()
                    };
                    Ok(v)
                })
            })
            .collect();
        Some(
            self.rt
                .block_on(join_all(handles))
                .into_iter()
                .map(|r| r.expect("task panicked"))
                .collect(),
        )
    }
    fn reopen_with(&mut self, ns: &TestNs, opts: ConnectionOptions) {
        let sock = ns.transport(&opts.socket);
        self.conn = self
            .rt
            .block_on(async { nlwire_tokio::Connection::from_transport(sock, opts) })
            .expect("open tokio connection");
    }
    fn stats(&self) -> nlwire::machine::Stats {
        self.conn.stats()
    }
    client_ops!(
        self,
        self.conn,
        |f| self.rt.block_on(f),
        collect_ok(self.rt.block_on(collect(self.conn.addresses(), usize::MAX)))
    );
    fn neighbours(&mut self, req: GetNeighbours) -> Result<Vec<Neighbour>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.dump(req), usize::MAX)))
    }
    fn rules(&mut self) -> Result<Vec<Rule>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.rules(), usize::MAX)))
    }
    fn nexthops(&mut self, req: GetNexthops) -> Result<Vec<Nexthop>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.dump(req), usize::MAX)))
    }
    fn get_nexthop(&mut self, req: &dyn Request) -> Result<Nexthop, Error> {
        self.rt.block_on(self.conn.get_as(req))
    }
    fn fdb_entries(&mut self, req: GetFdbEntries) -> Result<Vec<FdbEntry>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.dump(req), usize::MAX)))
    }
    fn get_fdb_entry(&mut self, req: &dyn Request) -> Result<FdbEntry, Error> {
        self.rt.block_on(self.conn.get_as(req))
    }
    fn bridge_vlans(&mut self, req: GetBridgeVlans) -> Result<Vec<BridgeVlans>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.dump(req), usize::MAX)))
    }
    fn nexthop_buckets(&mut self, req: GetNexthopBuckets) -> Result<Vec<NexthopBucket>, Error> {
        collect_ok(self.rt.block_on(collect(self.conn.dump(req), usize::MAX)))
    }
    fn get_nexthop_bucket(&mut self, req: &dyn Request) -> Result<NexthopBucket, Error> {
        self.rt.block_on(self.conn.get_as(req))
    }
}

/// The async-io runtime, driven by `futures_lite::future::block_on`.
pub struct AsyncIoClient(pub nlwire_async_io::Connection);

impl AsyncIoClient {
    /// A connection inside `ns`.
    pub fn open(ns: &TestNs) -> Self {
        AsyncIoClient(
            nlwire_async_io::Connection::from_transport(
                ns.transport(&Default::default()),
                ConnectionOptions::default(),
            )
            .expect("open async-io connection"),
        )
    }
}

impl Client for AsyncIoClient {
    fn runtime(&self) -> Runtime {
        Runtime::AsyncIo
    }
    fn request(&mut self, req: &dyn Request) -> Result<(), Error> {
        futures_lite::future::block_on(self.0.request(req))
    }
    fn get_link(&mut self, req: &dyn Request) -> Result<Link, Error> {
        futures_lite::future::block_on(self.0.get_as(req))
    }
    fn links(&mut self) -> Result<Vec<Link>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.links(),
            usize::MAX,
        )))
    }
    fn routes(&mut self, req: GetRoutes) -> Result<Vec<Route>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.dump(req),
            usize::MAX,
        )))
    }
    fn count_views(&mut self, req: &dyn Request) -> Result<usize, Error> {
        let mut n = 0;
        futures_lite::future::block_on(self.0.dump_messages(req, |_| n += 1))?;
        Ok(n)
    }
    fn routes_take(&mut self, n: usize) -> Result<Vec<Route>, Error> {
        collect_ok(futures_lite::future::block_on(collect(self.0.routes(), n)))
    }
    fn concurrent_get_links(&mut self, names: &[String]) -> Option<Vec<Result<Link, Error>>> {
        let conn = &self.0;
        let futs: Vec<_> = names
            .iter()
            .map(|n| async move {
                let req = nlwire::route::GetLink::by_name(n).expect("valid name");
                conn.get(req).await
            })
            .collect();
        Some(futures_lite::future::block_on(join_all(futs)))
    }
    fn reopen_with(&mut self, ns: &TestNs, opts: ConnectionOptions) {
        self.0 = nlwire_async_io::Connection::from_transport(ns.transport(&opts.socket), opts)
            .expect("open async-io connection");
    }
    fn stats(&self) -> nlwire::machine::Stats {
        self.0.stats()
    }
    client_ops!(
        self,
        self.0,
        futures_lite::future::block_on,
        collect_ok(futures_lite::future::block_on(collect(
            self.0.addresses(),
            usize::MAX
        )))
    );
    fn neighbours(&mut self, req: GetNeighbours) -> Result<Vec<Neighbour>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.dump(req),
            usize::MAX,
        )))
    }
    fn rules(&mut self) -> Result<Vec<Rule>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.rules(),
            usize::MAX,
        )))
    }
    fn nexthops(&mut self, req: GetNexthops) -> Result<Vec<Nexthop>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.dump(req),
            usize::MAX,
        )))
    }
    fn get_nexthop(&mut self, req: &dyn Request) -> Result<Nexthop, Error> {
        futures_lite::future::block_on(self.0.get_as(req))
    }
    fn fdb_entries(&mut self, req: GetFdbEntries) -> Result<Vec<FdbEntry>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.dump(req),
            usize::MAX,
        )))
    }
    fn get_fdb_entry(&mut self, req: &dyn Request) -> Result<FdbEntry, Error> {
        futures_lite::future::block_on(self.0.get_as(req))
    }
    fn bridge_vlans(&mut self, req: GetBridgeVlans) -> Result<Vec<BridgeVlans>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.dump(req),
            usize::MAX,
        )))
    }
    fn nexthop_buckets(&mut self, req: GetNexthopBuckets) -> Result<Vec<NexthopBucket>, Error> {
        collect_ok(futures_lite::future::block_on(collect(
            self.0.dump(req),
            usize::MAX,
        )))
    }
    fn get_nexthop_bucket(&mut self, req: &dyn Request) -> Result<NexthopBucket, Error> {
        futures_lite::future::block_on(self.0.get_as(req))
    }
    fn concurrent_dumps(&mut self, n: usize) -> Option<Vec<Result<usize, Error>>> {
        let conn = &self.0;
        let futs: Vec<_> = (0..2 * n)
            .map(|i| async move {
                if i % 2 == 0 {
                    Ok(collect(conn.links(), usize::MAX).await.len())
                } else {
                    collect(conn.dump(GetRoutes::ipv6()), usize::MAX)
                        .await
                        .into_iter()
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| v.len())
                }
            })
            .collect();
        Some(futures_lite::future::block_on(join_all(futs)))
    }
}

/// The runtimes every scenario runs on: [`per_runtime!`] declares a test
/// module for each (`mio`, `poll`, `tokio`, `async_io`), and the methods
/// open what a scenario needs on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// Blocking, on mio (`nlwire_mio`).
    Mio,
    /// Blocking, on plain `poll(2)` ([`PollWait`], test-only), through the
    /// generic `nlwire_conn::blocking` types.
    Poll,
    /// Async, on tokio (`nlwire_tokio`).
    Tokio,
    /// Async, on async-io (`nlwire_async_io`).
    AsyncIo,
}

impl Runtime {
    /// Every runtime, in the order their tests are declared.
    pub const ALL: [Runtime; 4] = [
        Runtime::Mio,
        Runtime::Poll,
        Runtime::Tokio,
        Runtime::AsyncIo,
    ];

    /// `"mio"`, `"poll"`, `"tokio"`, `"async-io"` (for test output).
    pub const fn name(self) -> &'static str {
        match self {
            Runtime::Mio => "mio",
            Runtime::Poll => "poll",
            Runtime::Tokio => "tokio",
            Runtime::AsyncIo => "async-io",
        }
    }

    /// Whether it is an async runtime (many requests in flight on one
    /// connection).
    pub const fn is_async(self) -> bool {
        matches!(self, Runtime::Tokio | Runtime::AsyncIo)
    }

    /// A route (`NETLINK_ROUTE`) connection inside `ns`.
    pub fn client(self, ns: &TestNs) -> Box<dyn Client> {
        match self {
            Runtime::Mio => Box::new(MioClient::open(ns)),
            Runtime::Poll => Box::new(PollClient::open(ns)),
            Runtime::Tokio => Box::new(TokioClient::open(ns)),
            Runtime::AsyncIo => Box::new(AsyncIoClient::open(ns)),
        }
    }

    /// A generic netlink connection inside `ns` (families, WireGuard
    /// devices and their watcher).
    pub fn genl_client(self, ns: &TestNs) -> Box<dyn GenlClient> {
        let netns = Netns::from_path(ns.path()).expect("open the test namespace");
        match self {
            Runtime::Mio => Box::new(MioGenl::open(netns)),
            Runtime::Poll => Box::new(PollGenl::open(netns)),
            Runtime::Tokio => Box::new(TokioGenl::open(netns, Exec::tokio_current_thread())),
            Runtime::AsyncIo => Box::new(AsyncIoGenl::open(netns, Exec::AsyncIo)),
        }
    }

    /// A mirror of `groups` in `ns`, on its own connection.
    pub fn mirror(self, ns: &TestNs, groups: Groups) -> Box<dyn MirrorClient> {
        self.mirror_with(ns, groups, ConnectionOptions::default())
    }

    /// Like [`Runtime::mirror`], its connection opened with `opts`.
    pub fn mirror_with(
        self,
        ns: &TestNs,
        groups: Groups,
        opts: ConnectionOptions,
    ) -> Box<dyn MirrorClient> {
        let e = "start the mirror";
        let sock = || ns.transport(&opts.socket);
        match self {
            Runtime::Mio => {
                let c = nlwire_mio::Connection::from_transport(sock(), opts).expect(e);
                Box::new(nlwire_mio::Mirror::new(c, groups).expect(e))
            }
            Runtime::Poll => {
                let c = poll_rt::Connection::from_transport(sock(), opts).expect(e);
                Box::new(poll_rt::Mirror::new(c, groups).expect(e))
            }
            Runtime::Tokio => Box::new(TokioMirror::new(
                Exec::tokio_multi_thread(),
                ns,
                groups,
                opts,
            )),
            Runtime::AsyncIo => Box::new(AsyncIoMirror::new(Exec::AsyncIo, ns, groups, opts)),
        }
    }

    /// A watcher of the named namespaces in `dir` (tokio's on a
    /// multi-threaded runtime).
    pub fn ns_watch(self, dir: &Path, opts: NsWatchOptions) -> Box<dyn NsWatchClient> {
        let e = "start the namespace watcher";
        match self {
            Runtime::Mio => Box::new(nlwire_mio::NsWatch::new(dir, opts).expect(e)),
            Runtime::Poll => Box::new(poll_rt::NsWatch::new(dir, opts).expect(e)),
            Runtime::Tokio => Box::new(TokioNsWatch::new(Exec::tokio_multi_thread(), dir, opts)),
            Runtime::AsyncIo => Box::new(AsyncIoNsWatch::new(Exec::AsyncIo, dir, opts)),
        }
    }

    /// The names in `dir` now, and a watcher of later changes
    /// (`list_and_watch`; tokio's on a current-thread runtime).
    pub fn ns_list_and_watch(self, dir: &Path) -> (Vec<String>, Box<dyn NsWatchClient>) {
        fn boxed(
            (n, w): (Vec<String>, impl NsWatchClient + 'static),
        ) -> (Vec<String>, Box<dyn NsWatchClient>) {
            (n, Box::new(w))
        }
        let e = "start the namespace watcher";
        match self {
            Runtime::Mio => boxed(nlwire_mio::NsWatch::list_and_watch(dir).expect(e)),
            Runtime::Poll => boxed(poll_rt::NsWatch::list_and_watch(dir).expect(e)),
            Runtime::Tokio => boxed(TokioNsWatch::list_and_watch(
                Exec::tokio_current_thread(),
                dir,
            )),
            Runtime::AsyncIo => boxed(AsyncIoNsWatch::list_and_watch(Exec::AsyncIo, dir)),
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a scenario can ask of a generic netlink connection, on any runtime.
pub trait GenlClient {
    /// Every generic netlink family.
    fn families(&mut self) -> Result<Vec<Family>, Error>;
    /// The controller's family dump as raw bytes (every reply message).
    fn families_raw(&mut self) -> Result<Vec<u8>, Error>;
    /// One family by name (cached per connection).
    fn family(&mut self, name: &str) -> Result<Family, Error>;
    /// Reads a WireGuard interface.
    fn get_device(&mut self, link: LinkRef<'_>) -> Result<Device, Error>;
    /// Configures a WireGuard interface.
    fn set_device(&mut self, link: LinkRef<'_>, config: &DeviceConfig) -> Result<(), Error>;
    /// A WireGuard watcher in the same namespace (on a clone of this
    /// connection on the async runtimes, on a connection of its own on the
    /// blocking ones, whose watcher owns its connection).
    fn wg_watch(&mut self, opts: WgWatchOptions) -> Result<Box<dyn WgWatchClient>, Error>;
}

/// A WireGuard watcher, on any runtime.
pub trait WgWatchClient {
    /// The interfaces, in polling order.
    fn interfaces(&self) -> Vec<String>;
    /// The events of the next round, waiting for its time.
    fn next(&mut self) -> Vec<WgEvent>;
    /// The events of the next round if it runs within `t`; `None` after
    /// waiting `t` otherwise.
    fn next_within(&mut self, t: Duration) -> Option<Vec<WgEvent>>;
    /// Runs a round now, whatever the schedule; `None` on a runtime
    /// without that call (async).
    fn poll_now(&mut self) -> Option<Vec<WgEvent>>;
}

/// A named-namespace watcher, on any runtime.
pub trait NsWatchClient {
    /// The next event within `t`, or `None`. An error fails the test.
    fn next_within(&mut self, t: Duration) -> Option<NsEvent>;
}

/// A mirror on one runtime, as the scenarios use it.
pub trait MirrorClient {
    /// The next event within `t`, or `None`. An error fails the test.
    fn next_within(&mut self, t: Duration) -> Option<MirrorEvent>;
    /// The mirror's tables.
    fn state(&self) -> &nlwire::machine::mirror::Mirror;
}

/// The poll runtime's types, named as a runtime crate names its own, so
/// the blocking glue below is written once for mio and poll.
mod poll_rt {
    pub type Connection = nlwire_conn::blocking::Connection<super::PollWait>;
    pub type NsWatch = nlwire_conn::blocking::NsWatch<super::PollWait>;
    pub type WgWatch = nlwire_conn::blocking::WgWatch<super::PollWait>;
    pub type Mirror = nlwire_conn::blocking::Mirror<super::PollWait>;
}

/// The glue of a blocking runtime whose `Connection`, `NsWatch` and
/// `WgWatch` are in module `$m`; `$genl` names its [`GenlClient`].
macro_rules! blocking_glue {
    ($m:ident, $genl:ident) => {
        impl MirrorClient for $m::Mirror {
            fn next_within(&mut self, t: Duration) -> Option<MirrorEvent> {
                self.next_event_within(t).expect("mirror")
            }
            fn state(&self) -> &nlwire::machine::mirror::Mirror {
                $m::Mirror::state(self)
            }
        }

        impl NsWatchClient for $m::NsWatch {
            fn next_within(&mut self, t: Duration) -> Option<NsEvent> {
                self.next_timeout(Some(t)).expect("namespace watcher")
            }
        }

        impl WgWatchClient for $m::WgWatch {
            fn interfaces(&self) -> Vec<String> {
                $m::WgWatch::interfaces(self).to_vec()
            }
            fn next(&mut self) -> Vec<WgEvent> {
                Iterator::next(self).expect("a WireGuard watcher never ends")
            }
            fn next_within(&mut self, t: Duration) -> Option<Vec<WgEvent>> {
                match self.next_round() {
                    Some(due) if due > Instant::now() + t => {
                        std::thread::sleep(t);
                        None
                    }
                    _ => Some(WgWatchClient::next(self)),
                }
            }
            fn poll_now(&mut self) -> Option<Vec<WgEvent>> {
                Some($m::WgWatch::poll_now(self))
            }
        }

        struct $genl {
            conn: $m::Connection,
            netns: Netns,
        }

        impl $genl {
            fn open(netns: Netns) -> Self {
                $genl {
                    conn: Self::connect(&netns),
                    netns,
                }
            }

            fn connect(netns: &Netns) -> $m::Connection {
                $m::Connection::new_in_with_options(netns, ConnectionOptions::generic())
                    .expect("open generic netlink connection")
            }
        }

        impl GenlClient for $genl {
            fn families(&mut self) -> Result<Vec<Family>, Error> {
                self.conn.families().collect()
            }
            fn families_raw(&mut self) -> Result<Vec<u8>, Error> {
                let mut raw = Vec::new();
                self.conn
                    .dump_messages(GetFamily::all(), |m| raw.extend_from_slice(m.as_bytes()))?;
                Ok(raw)
            }
            fn family(&mut self, name: &str) -> Result<Family, Error> {
                self.conn.family(name)
            }
            fn get_device(&mut self, link: LinkRef<'_>) -> Result<Device, Error> {
                self.conn.get_device(link)
            }
            fn set_device(
                &mut self,
                link: LinkRef<'_>,
                config: &DeviceConfig,
            ) -> Result<(), Error> {
                self.conn.set_device(link, config)
            }
            fn wg_watch(&mut self, opts: WgWatchOptions) -> Result<Box<dyn WgWatchClient>, Error> {
                let w = $m::WgWatch::new(Self::connect(&self.netns), opts)?;
                Ok(Box::new(w))
            }
        }
    };
}

blocking_glue!(nlwire_mio, MioGenl);
blocking_glue!(poll_rt, PollGenl);

/// Runs an async runtime's futures to completion from a test's thread.
enum Exec {
    /// A tokio runtime, whose reactor the connections and watchers made
    /// under it are registered with.
    Tokio(tokio::runtime::Runtime),
    /// async-io's global reactor, driven by `async_io::block_on`.
    AsyncIo,
}

impl Exec {
    fn tokio_current_thread() -> Exec {
        Exec::Tokio(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime"),
        )
    }

    fn tokio_multi_thread() -> Exec {
        Exec::Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime"),
        )
    }

    /// Runs `f` inside the runtime's context (to register with its
    /// reactor).
    fn enter<T>(&self, f: impl FnOnce() -> T) -> T {
        match self {
            Exec::Tokio(rt) => {
                let _guard = rt.enter();
                f()
            }
            Exec::AsyncIo => f(),
        }
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        match self {
            Exec::Tokio(rt) => rt.block_on(f),
            Exec::AsyncIo => async_io::block_on(f),
        }
    }

    /// `f`'s output if it is ready within `t`.
    fn within<F: Future>(&self, t: Duration, f: F) -> Option<F::Output> {
        match self {
            Exec::Tokio(rt) => rt.block_on(async { tokio::time::timeout(t, f).await }).ok(),
            Exec::AsyncIo => {
                async_io::block_on(futures_lite::future::or(async { Some(f.await) }, async {
                    async_io::Timer::after(t).await;
                    None
                }))
            }
        }
    }
}

/// The glue of an async runtime crate `$m`; `$genl` and `$ns` name its
/// [`GenlClient`] and [`NsWatchClient`], `$wg` its [`WgWatchClient`].
macro_rules! async_glue {
    ($m:ident, $genl:ident, $ns:ident, $wg:ident) => {
        // The watcher first: it is dropped before its runtime.
        struct $ns {
            w: $m::NsWatch,
            exec: Exec,
        }

        impl $ns {
            fn new(exec: Exec, dir: &Path, opts: NsWatchOptions) -> Self {
                let w = exec
                    .enter(|| $m::NsWatch::new(dir, opts))
                    .expect("start the namespace watcher");
                $ns { w, exec }
            }

            fn list_and_watch(exec: Exec, dir: &Path) -> (Vec<String>, Self) {
                let (names, w) = exec
                    .enter(|| $m::NsWatch::list_and_watch(dir))
                    .expect("start the namespace watcher");
                (names, $ns { w, exec })
            }
        }

        impl NsWatchClient for $ns {
            fn next_within(&mut self, t: Duration) -> Option<NsEvent> {
                self.exec
                    .within(t, self.w.next())
                    .map(|r| r.expect("namespace watcher"))
            }
        }

        struct $wg {
            w: $m::WgWatch,
            exec: Rc<Exec>,
        }

        impl WgWatchClient for $wg {
            fn interfaces(&self) -> Vec<String> {
                self.w.interfaces().to_vec()
            }
            fn next(&mut self) -> Vec<WgEvent> {
                // Through the `Stream` impl (`next_within` awaits `next`).
                self.exec
                    .block_on(futures_lite::StreamExt::next(&mut self.w))
                    .expect("a WireGuard watcher never ends")
            }
            fn next_within(&mut self, t: Duration) -> Option<Vec<WgEvent>> {
                self.exec.within(t, self.w.next())
            }
            fn poll_now(&mut self) -> Option<Vec<WgEvent>> {
                None
            }
        }

        struct $genl {
            conn: $m::Connection,
            exec: Rc<Exec>,
        }

        impl $genl {
            fn open(netns: Netns, exec: Exec) -> Self {
                let conn = exec
                    .enter(|| {
                        $m::Connection::new_in_with_options(&netns, ConnectionOptions::generic())
                    })
                    .expect("open generic netlink connection");
                $genl {
                    conn,
                    exec: Rc::new(exec),
                }
            }
        }

        impl GenlClient for $genl {
            fn families(&mut self) -> Result<Vec<Family>, Error> {
                collect_ok(
                    self.exec
                        .block_on(collect(self.conn.families(), usize::MAX)),
                )
            }
            fn families_raw(&mut self) -> Result<Vec<u8>, Error> {
                let mut raw = Vec::new();
                self.exec
                    .block_on(self.conn.dump_messages(GetFamily::all(), |m| {
                        raw.extend_from_slice(m.as_bytes())
                    }))?;
                Ok(raw)
            }
            fn family(&mut self, name: &str) -> Result<Family, Error> {
                self.exec.block_on(self.conn.family(name))
            }
            fn get_device(&mut self, link: LinkRef<'_>) -> Result<Device, Error> {
                self.exec.block_on(self.conn.get_device(link))
            }
            fn set_device(
                &mut self,
                link: LinkRef<'_>,
                config: &DeviceConfig,
            ) -> Result<(), Error> {
                self.exec.block_on(self.conn.set_device(link, config))
            }
            fn wg_watch(&mut self, opts: WgWatchOptions) -> Result<Box<dyn WgWatchClient>, Error> {
                let w = self
                    .exec
                    .enter(|| $m::WgWatch::new(self.conn.clone(), opts))?;
                Ok(Box::new($wg {
                    w,
                    exec: self.exec.clone(),
                }))
            }
        }
    };
}

/// The mirror of an async runtime crate `$m`, named `$name`.
macro_rules! async_mirror {
    ($m:ident, $name:ident) => {
        // Dropped in order: the mirror, its connection, then the runtime.
        struct $name {
            m: $m::Mirror,
            _conn: $m::Connection,
            exec: Exec,
        }

        impl $name {
            fn new(exec: Exec, ns: &TestNs, groups: Groups, opts: ConnectionOptions) -> Self {
                let (m, conn) = exec.enter(|| {
                    let conn = $m::Connection::from_transport(ns.transport(&opts.socket), opts)
                        .expect("open connection");
                    let m = $m::Mirror::new(&conn, groups).expect("start the mirror");
                    (m, conn)
                });
                $name {
                    m,
                    _conn: conn,
                    exec,
                }
            }
        }

        impl MirrorClient for $name {
            fn next_within(&mut self, t: Duration) -> Option<MirrorEvent> {
                self.exec
                    .within(t, self.m.next_event())
                    .map(|r| r.expect("mirror"))
            }
            fn state(&self) -> &nlwire::machine::mirror::Mirror {
                self.m.state()
            }
        }
    };
}

async_mirror!(nlwire_tokio, TokioMirror);
async_mirror!(nlwire_async_io, AsyncIoMirror);

async_glue!(nlwire_tokio, TokioGenl, TokioNsWatch, TokioWgWatch);
async_glue!(nlwire_async_io, AsyncIoGenl, AsyncIoNsWatch, AsyncIoWgWatch);

/// Declares one `#[test]` per runtime for each scenario function: a module
/// per runtime (`mio`, `poll`, `tokio`, `async_io`), each holding a test
/// named after the scenario (`mio::a`, `poll::a`, …). Each test first asks
/// `gate` (a function of this crate: [`privileged_or_skip`],
/// [`wireguard_or_skip`]) with its full name, and returns if it says no.
///
/// The scenarios are listed by shape:
///
/// * `client: [a, …]` — `fn a(c: &mut dyn Client, ns: &TestNs)`, given a
///   fresh [`TestNs`] and a [`Runtime::client`] in it;
/// * `async_client: [a, …]` — the same, declared for the async runtimes
///   only (`tokio`, `async_io`): scenarios of concurrency on one
///   connection, which a blocking connection cannot have;
/// * `ns: [a, …]` — `fn a(rt: Runtime, ns: &TestNs)`, given a fresh
///   [`TestNs`];
/// * `runtime: [a, …]` — `fn a(rt: Runtime)`, which builds what it needs.
///
/// ```text
/// nlwire_tests::per_runtime! {
///     gate: privileged_or_skip,
///     client: [fresh_namespace_has_only_lo, links_match_ip],
///     runtime: [watcher_sees_a_burst_of_200],
/// }
/// ```
#[macro_export]
macro_rules! per_runtime {
    (@test client $m:ident $rt:ident $gate:ident $name:ident) => {
        #[test]
        fn $name() {
            if $crate::$gate(concat!(module_path!(), "::", stringify!($name))) {
                let ns = $crate::TestNs::create();
                super::$name(&mut *$crate::Runtime::$rt.client(&ns), &ns);
            }
        }
    };
    (@test async_client mio $($rest:tt)*) => {};
    (@test async_client poll $($rest:tt)*) => {};
    (@test async_client $($rest:tt)*) => {
        $crate::per_runtime!(@test client $($rest)*);
    };
    (@test ns $m:ident $rt:ident $gate:ident $name:ident) => {
        #[test]
        fn $name() {
            if $crate::$gate(concat!(module_path!(), "::", stringify!($name))) {
                let ns = $crate::TestNs::create();
                super::$name($crate::Runtime::$rt, &ns);
            }
        }
    };
    (@test runtime $m:ident $rt:ident $gate:ident $name:ident) => {
        #[test]
        fn $name() {
            if $crate::$gate(concat!(module_path!(), "::", stringify!($name))) {
                super::$name($crate::Runtime::$rt);
            }
        }
    };
    (@module $m:ident $rt:ident $gate:ident {$($shape:ident [$($name:ident)*])+}) => {
        #[doc = concat!("The scenarios on the ", stringify!($m), " runtime.")]
        mod $m {
            $($($crate::per_runtime!(@test $shape $m $rt $gate $name);)*)+
        }
    };
    (gate: $gate:ident, $($shape:ident: [$($name:ident),* $(,)?]),+ $(,)?) => {
        $crate::per_runtime!(@module mio Mio $gate {$($shape [$($name)*])+});
        $crate::per_runtime!(@module poll Poll $gate {$($shape [$($name)*])+});
        $crate::per_runtime!(@module tokio Tokio $gate {$($shape [$($name)*])+});
        $crate::per_runtime!(@module async_io AsyncIo $gate {$($shape [$($name)*])+});
    };
}

/// Declares the same scenarios as [`per_runtime!`] once more, on the
/// simulated kernel (`nlwire-sim`): a module `sim` holding a module per
/// runtime, each with a test named after the scenario (`sim::mio::a`,
/// `sim::tokio::a`, …). Each test gets a fresh [`TestNs::simulated`]; it
/// needs no privilege, so there is no gate.
///
/// The shapes are [`per_runtime!`]'s that take a namespace (`client`,
/// `async_client`, `ns`). List here the scenarios the simulator models;
/// the file's header says why the others are not listed.
///
/// ```text
/// nlwire_tests::on_sim! {
///     client: [fresh_namespace_has_only_lo, links_match_ip],
/// }
/// ```
#[macro_export]
macro_rules! on_sim {
    (@test client $rt:ident $name:ident) => {
        #[test]
        fn $name() {
            let ns = $crate::TestNs::simulated();
            super::super::$name(&mut *$crate::Runtime::$rt.client(&ns), &ns);
        }
    };
    (@test async_client Mio $($rest:tt)*) => {};
    (@test async_client Poll $($rest:tt)*) => {};
    (@test async_client $($rest:tt)*) => {
        $crate::on_sim!(@test client $($rest)*);
    };
    (@test ns $rt:ident $name:ident) => {
        #[test]
        fn $name() {
            let ns = $crate::TestNs::simulated();
            super::super::$name($crate::Runtime::$rt, &ns);
        }
    };
    (@module $m:ident $rt:ident {$($shape:ident [$($name:ident)*])+}) => {
        #[doc = concat!("The scenarios on the simulator, on the ", stringify!($m), " runtime.")]
        mod $m {
            $($($crate::on_sim!(@test $shape $rt $name);)*)+
        }
    };
    ($($shape:ident: [$($name:ident),* $(,)?]),+ $(,)?) => {
        /// The scenarios on the simulated kernel (`nlwire-sim`).
        mod sim {
            $crate::on_sim!(@module mio Mio {$($shape [$($name)*])+});
            $crate::on_sim!(@module poll Poll {$($shape [$($name)*])+});
            $crate::on_sim!(@module tokio Tokio {$($shape [$($name)*])+});
            $crate::on_sim!(@module async_io AsyncIo {$($shape [$($name)*])+});
        }
    };
}
