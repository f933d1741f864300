//! `nlw netns add|del|list|exec|watch`, interoperable with `ip netns`: the
//! same persist directory (`/var/run/netns`), the same shared bind mounts.

use std::io::Write;
use std::os::unix::process::CommandExt;

use nlwire_mio::{NetnsDir, NsEvent, NsWatch, netns};

use crate::json::JsonOut;
use crate::{Fail, Opts, usage_err};

fn fail(e: nlwire::Error) -> Fail {
    Fail(format!("Error: {e}"), 1)
}

fn name_arg<'a>(args: &'a [String], cmd: &str) -> Result<&'a str, Fail> {
    args.first()
        .map(String::as_str)
        .ok_or_else(|| usage_err(format!("No netns name specified for \"netns {cmd}\"")))
}

/// Runs `nlw netns CMD ARGS…`.
pub fn run(o: &Opts, args: &[String], out: &mut impl Write) -> Result<(), Fail> {
    let dir = NetnsDir::default();
    let cmd = args.first().map(String::as_str).unwrap_or("list");
    let tail = args.get(1..).unwrap_or(&[]);
    match cmd {
        "list" | "show" | "ls" | "lst" | "sh" => {
            let names = dir.list().map_err(fail)?;
            if o.json {
                let mut j = JsonOut::new(&mut *out)?;
                for n in &names {
                    j.begin()?;
                    j.str("name", n)?;
                    j.end()?;
                }
                j.finish()?;
            } else {
                for n in &names {
                    writeln!(out, "{n}")?;
                }
            }
            Ok(())
        }
        "add" | "a" => {
            dir.create(name_arg(tail, "add")?).map_err(fail)?;
            Ok(())
        }
        "delete" | "del" | "d" => {
            dir.remove(name_arg(tail, "delete")?).map_err(fail)?;
            Ok(())
        }
        "exec" | "e" => {
            let name = name_arg(tail, "exec")?;
            let prog = tail
                .get(1)
                .ok_or_else(|| usage_err("No command specified for \"netns exec\""))?;
            let ns = dir.open(name).map_err(fail)?;
            // nlw is single-threaded here, and about to exec.
            netns::enter_for_exec(&ns).map_err(fail)?;
            let e = std::process::Command::new(prog).args(&tail[2..]).exec();
            Err(Fail(format!("exec of \"{prog}\" failed: {e}"), 1))
        }
        "monitor" | "watch" | "m" | "w" => {
            let w = NsWatch::new(dir.path(), Default::default()).map_err(fail)?;
            for ev in w {
                match ev.map_err(fail)? {
                    NsEvent::Created { name } => writeln!(out, "add {name}")?,
                    NsEvent::Deleted { name } => writeln!(out, "delete {name}")?,
                    _ => {}
                }
                out.flush()?;
            }
            Ok(())
        }
        other => Err(usage_err(format!(
            "Command \"{other}\" is unknown, try \"nlw netns help\"."
        ))),
    }
}
