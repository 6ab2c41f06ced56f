//! `waypost serve` under load and under attack, on 127.0.0.1 only: 200 browsers holding
//! the live-reload stream open while pages are edited, plain requests in between, and
//! Host headers a DNS-rebinding page would send. Bounded in count and time: every wait
//! has a deadline, every loop a fixed count.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc::{channel, Sender};
use std::time::{Duration, Instant};

use crate::serve::{example_copy, get, get_raw, save, start};

/// Clients holding the event stream open at once.
const CLIENTS: usize = 200;
/// Page edits while they listen.
const EDITS: usize = 3;
/// Plain GETs sent during each edit.
const GETS_PER_EDIT: usize = 20;

/// What a client thread reports.
enum Note {
    /// Its stream is open (the server answered 200 and subscribed it).
    Ready(usize),
    /// It received a `reload` naming the edited page.
    Reload(usize),
    /// Its stream failed or ended.
    Failed(usize, String),
}

/// Opens the event stream as client `id`, and reports what arrives.
fn client(addr: String, id: usize, tx: Sender<Note>) {
    let fail = |tx: &Sender<Note>, why: String| {
        let _ = tx.send(Note::Failed(id, why));
    };
    let mut s = match TcpStream::connect(&addr) {
        Ok(s) => s,
        Err(e) => return fail(&tx, format!("connect: {e}")),
    };
    // Bounded: a client that hears nothing for this long gives up (the test then fails).
    let _ = s.set_read_timeout(Some(Duration::from_secs(90)));
    if let Err(e) = write!(
        s,
        "GET /__waypost/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    ) {
        return fail(&tx, format!("send: {e}"));
    }
    let mut lines = BufReader::new(s).lines();
    match lines.next() {
        Some(Ok(status)) if status.starts_with("HTTP/1.1 200") => {}
        other => return fail(&tx, format!("status line: {other:?}")),
    }
    // The headers end with an empty line; the server subscribed before answering.
    for line in lines.by_ref() {
        match line {
            Ok(l) if l.is_empty() => break,
            Ok(_) => {}
            Err(e) => return fail(&tx, format!("headers: {e}")),
        }
    }
    let _ = tx.send(Note::Ready(id));
    let mut event = String::new();
    for line in lines {
        let line = match line {
            Ok(l) => l,
            Err(e) => return fail(&tx, format!("stream: {e}")),
        };
        if let Some(e) = line.strip_prefix("event: ") {
            event = e.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            if event == "reload"
                && d.contains("/en/esim/in-app/")
                && tx.send(Note::Reload(id)).is_err()
            {
                return;
            }
        }
    }
}

#[test]
fn two_hundred_live_reload_clients_all_get_every_reload_while_pages_keep_loading() {
    let mut server = start(example_copy(), &[]);
    let addr = server.addr.clone();
    let (tx, rx) = channel();
    for id in 0..CLIENTS {
        let (addr, tx) = (addr.clone(), tx.clone());
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || client(addr, id, tx))
            .expect("client thread");
    }
    drop(tx);

    let mut ready = [false; CLIENTS];
    let mut reloads = [0usize; CLIENTS];
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.iter().any(|r| !r) {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Note::Ready(id)) => ready[id] = true,
            Ok(Note::Reload(id)) => reloads[id] += 1,
            Ok(Note::Failed(id, why)) => panic!("client {id} failed to connect: {why}"),
            Err(_) => panic!(
                "only {} of {CLIENTS} clients got the stream open",
                ready.iter().filter(|r| **r).count()
            ),
        }
    }

    let page = server.root.join("content/en/esim/in-app.md");
    let original = std::fs::read_to_string(&page).unwrap();
    for edit in 1..=EDITS {
        let marker = format!("Load test edit number {edit}.");
        save(
            &page,
            &original.replace(
                "## Steps {#steps}",
                &format!("{marker}\n\n## Steps {{#steps}}"),
            ),
        );
        // Plain requests while the rebuild and the broadcast happen.
        let getter = {
            let addr = addr.clone();
            std::thread::spawn(move || {
                for i in 0..GETS_PER_EDIT {
                    let path = if i % 2 == 0 { "/en/" } else { "/zh/esim/" };
                    let resp = get(&addr, path);
                    assert_eq!(resp.status, 200, "GET {path} during edit {edit}");
                }
            })
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while reloads.iter().any(|&n| n < edit) {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Note::Reload(id)) => reloads[id] += 1,
                Ok(Note::Ready(_)) => {}
                Ok(Note::Failed(id, why)) => panic!("client {id} lost its stream: {why}"),
                Err(_) => panic!(
                    "after edit {edit}, {} of {CLIENTS} clients had not received its reload",
                    reloads.iter().filter(|&&n| n < edit).count()
                ),
            }
        }
        getter.join().expect("plain GETs keep working");
        let body = get(&addr, "/en/esim/in-app/").body;
        assert!(body.contains(&marker), "the page shows edit {edit}");
    }
    assert!(server.is_running(), "the server is still running");
    let log = server.log_lines().join("\n");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn requests_naming_another_host_are_refused_on_every_route() {
    let mut server = start(example_copy(), &[]);
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    // What a page on another site would send after rebinding its name to 127.0.0.1.
    let hostile = [
        "attacker.example".to_string(),
        format!("attacker.example:{port}"),
        format!("127.0.0.1.attacker.example:{port}"),
        format!("localhost.attacker.example:{port}"),
        format!("127.0.0.2:{port}"),
        format!("0.0.0.0:{port}"),
        format!("[::2]:{port}"),
        "localhost:1".to_string(),
    ];
    for host in &hostile {
        for path in [
            "/en/",
            "/__waypost/events",
            "/__waypost/livereload.js",
            "/no-such-file",
        ] {
            let resp = get_raw(&server.addr, path, Some(host));
            assert_eq!(resp.status, 403, "Host: {host}, GET {path}");
            assert!(!resp.body.contains("<html"), "Host: {host}, GET {path}");
        }
    }
    // The bound address and localhost, any case, with the port.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(
            get_raw(&server.addr, "/en/", Some(&host)).status,
            200,
            "Host: {host}"
        );
    }
    assert!(server.is_running());
}

#[test]
fn a_flood_of_malformed_requests_does_not_stop_the_server() {
    let mut server = start(example_copy(), &[]);
    let junk: [&[u8]; 6] = [
        b"GARBAGE\r\n\r\n",
        b"GET /en/ HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
        b"GET /%ff%fe%00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /en/ HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"GET /__waypost/events HTTP/1.1\r\n",
        b"\0\0\0\0",
    ];
    for round in 0..20 {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        let _ = s.write_all(junk[round % junk.len()]);
        // Close without reading: the server must cope with half-sent requests.
    }
    let resp = get(&server.addr, "/en/");
    assert_eq!(resp.status, 200);
    assert!(server.is_running());
}
