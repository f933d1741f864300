//! One printer for text and JSON, driven by the same calls, as iproute2's
//! `print_*(PRINT_ANY | PRINT_FP | PRINT_JSON, key, fmt, value)`: a field
//! printed through [`Printer::any`] cannot appear in one form and be
//! forgotten in the other.
//!
//! A text format is a string with one `{}` where the value goes (`" from
//! {}"`); JSON gets the key and the value alone. The JSON output is ip's:
//! one array of objects, `[]` when empty, a newline at the end.

use std::fmt::Display;
use std::io::{self, Write};

/// How a value goes into JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Json {
    /// A JSON string.
    Str,
    /// A bare JSON value (a number).
    Num,
}

/// What a coloured value is (iproute2's `enum color_attr`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Ifname,
    Mac,
    Inet,
    Inet6,
    OperUp,
    OperDown,
}

impl Color {
    /// `ifa_family_color`.
    pub fn of_family(family: u8) -> Option<Color> {
        match family {
            nlwire::route::AF_INET => Some(Color::Inet),
            nlwire::route::AF_INET6 => Some(Color::Inet6),
            _ => None,
        }
    }

    /// `oper_state_color`.
    pub fn of_operstate(s: nlwire::route::OperState) -> Option<Color> {
        match s.as_str() {
            "UP" => Some(Color::OperUp),
            "DOWN" => Some(Color::OperDown),
            _ => None,
        }
    }

    /// The escape sequence of iproute2's dark or light palette.
    fn code(self, dark: bool) -> &'static str {
        let i = self as usize;
        if dark {
            [
                "\x1b[1;36m",
                "\x1b[1;33m",
                "\x1b[1;35m",
                "\x1b[1;94m",
                "\x1b[1;32m",
                "\x1b[1;31m",
            ][i]
        } else {
            [
                "\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[34m", "\x1b[32m", "\x1b[31m",
            ][i]
        }
    }
}

/// Whether to colour (ip's `check_enable_color`): never in JSON or with
/// `NO_COLOR` set, else when asked (`-c`) and, for `-c=auto`, on a
/// terminal. `Some(dark)`: the palette, from `COLORFGBG` as ip reads it.
pub fn color_palette(color: bool, json: bool) -> Option<bool> {
    if json || !color || std::env::var("NO_COLOR").is_ok_and(|v| !v.is_empty()) {
        return None;
    }
    let light = std::env::var("COLORFGBG").ok().and_then(|v| {
        let last = v.rsplit(';').next()?.to_string();
        Some(!matches!(
            last.as_str(),
            "0" | "1" | "2" | "3" | "4" | "5" | "6" | "8"
        ))
    });
    Some(!light.unwrap_or(false))
}

/// Writes either text or JSON from the same calls. The JSON layout is
/// iproute2's `json_writer.c`, compact or (`-p`) pretty, byte for byte.
pub struct Printer<W: Write> {
    w: W,
    json: bool,
    pretty: bool,
    /// Open JSON containers.
    depth: usize,
    /// Whether a comma goes before the next JSON element (`sep`).
    sep: bool,
    /// `-o`: a record's inner line breaks are written `\`.
    pub oneline: bool,
    /// `-br`: the brief forms.
    pub brief: bool,
    /// An address record names its link first (`N: DEV`), as with `-o`
    /// (`ip monitor` does this without `-o`).
    pub headed: bool,
    /// `-s`, counted.
    pub stats: u8,
    /// `-d`, counted.
    pub details: u8,
    /// `-c`: the palette (dark or light) when colouring.
    palette: Option<bool>,
    /// A JSON string value, formatted here before it is escaped.
    scratch: String,
}

impl<W: Write> Printer<W> {
    /// A printer for the global options: JSON (`-j`, pretty with `-p`)
    /// or text, one line per record with `-o`, brief with `-br`.
    pub fn for_opts(w: W, o: &crate::Opts) -> io::Result<Self> {
        let mut p = Self::with_pretty(w, o.json, o.pretty)?;
        p.oneline = o.oneline;
        p.brief = o.brief;
        p.stats = o.stats;
        p.details = o.details;
        p.palette = color_palette(o.color, o.json);
        Ok(p)
    }

    /// A printer writing JSON (`ip -j`, pretty as `-p`) or text to `w`.
    pub fn with_pretty(w: W, json: bool, pretty: bool) -> io::Result<Self> {
        let mut p = Printer {
            w,
            json,
            pretty,
            depth: 0,
            sep: false,
            oneline: false,
            brief: false,
            headed: false,
            stats: 0,
            details: 0,
            palette: None,
            scratch: String::new(),
        };
        if json {
            p.begin(b'[')?;
            if pretty {
                p.w.write_all(b" ")?;
            }
        }
        Ok(p)
    }

    /// `jsonw_eor`: the comma between elements.
    fn eor(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.sep, true) {
            self.w.write_all(b",")?;
        }
        Ok(())
    }

    /// `jsonw_eol`: a new, indented line (pretty only).
    fn eol(&mut self) -> io::Result<()> {
        if self.pretty {
            self.w.write_all(b"\n")?;
            for _ in 0..self.depth {
                self.w.write_all(b"    ")?;
            }
        }
        Ok(())
    }

    fn begin(&mut self, c: u8) -> io::Result<()> {
        self.eor()?;
        self.w.write_all(&[c])?;
        self.depth += 1;
        self.sep = false;
        Ok(())
    }

    fn end(&mut self, c: u8) -> io::Result<()> {
        self.depth -= 1;
        if self.sep {
            self.eol()?;
        }
        self.w.write_all(&[c])?;
        self.sep = true;
        Ok(())
    }

    fn end_array(&mut self) -> io::Result<()> {
        if self.pretty && self.sep {
            self.w.write_all(b" ")?;
        }
        self.sep = false;
        self.end(b']')
    }

    /// Whether this printer writes JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// `jsonw_name`: a key, before its value.
    fn key(&mut self, k: &str) -> io::Result<()> {
        self.eor()?;
        self.eol()?;
        self.sep = false;
        write_json_str(&mut self.w, k)?;
        self.w.write_all(if self.pretty { b": " } else { b":" })
    }

    /// Opens an object: an element of the array open, or `key`'s value.
    pub fn open_object(&mut self, key: Option<&str>) -> io::Result<()> {
        if self.json {
            if let Some(k) = key {
                self.key(k)?;
            }
            self.begin(b'{')?;
        }
        Ok(())
    }

    /// Closes the object opened last.
    pub fn close_object(&mut self) -> io::Result<()> {
        if self.json {
            self.end(b'}')?;
        }
        Ok(())
    }

    /// Opens an array under `key` (JSON only; text prints nothing).
    pub fn open_array(&mut self, key: &str) -> io::Result<()> {
        if self.json {
            self.key(key)?;
            self.begin(b'[')?;
            if self.pretty {
                self.w.write_all(b" ")?;
            }
        }
        Ok(())
    }

    /// Closes the array opened last.
    pub fn close_array(&mut self) -> io::Result<()> {
        if self.json {
            self.end_array()?;
        }
        Ok(())
    }

    /// A value in both forms (`PRINT_ANY`): `key` and `v` in JSON, `fmt`
    /// with `v` in place of `{}` in text.
    pub fn any(&mut self, as_: Json, key: &str, fmt: &str, v: impl Display) -> io::Result<()> {
        if self.json {
            self.json_value(as_, Some(key), v)
        } else {
            self.text_value(fmt, v)
        }
    }

    /// A string in both forms, coloured in text with `-c`
    /// (`print_color_string`: the colour spans the whole formatted text).
    pub fn str_c(
        &mut self,
        color: Option<Color>,
        key: &str,
        fmt: &str,
        v: impl Display,
    ) -> io::Result<()> {
        match (self.json, self.palette, color) {
            (false, Some(dark), Some(c)) => {
                self.w.write_all(c.code(dark).as_bytes())?;
                self.text_value(fmt, v)?;
                self.w.write_all(b"\x1b[0m")
            }
            _ => self.str(key, fmt, v),
        }
    }

    /// Text only, coloured with `-c` (`color_fprintf`).
    pub fn text_c(&mut self, color: Option<Color>, fmt: &str, v: impl Display) -> io::Result<()> {
        if self.json {
            return Ok(());
        }
        match (self.palette, color) {
            (Some(dark), Some(c)) => {
                self.w.write_all(c.code(dark).as_bytes())?;
                self.text_value(fmt, v)?;
                self.w.write_all(b"\x1b[0m")
            }
            _ => self.text_value(fmt, v),
        }
    }

    /// A string in both forms.
    pub fn str(&mut self, key: &str, fmt: &str, v: impl Display) -> io::Result<()> {
        self.any(Json::Str, key, fmt, v)
    }

    /// A number in both forms.
    pub fn num(&mut self, key: &str, fmt: &str, v: impl Display) -> io::Result<()> {
        self.any(Json::Num, key, fmt, v)
    }

    /// A flag: `key: null` in JSON, `text` in text (`print_null`).
    pub fn null(&mut self, key: &str, text: &str) -> io::Result<()> {
        if self.json {
            self.key(key)?;
            self.eor()?;
            self.w.write_all(b"null")
        } else {
            self.w.write_all(text.as_bytes())
        }
    }

    /// A boolean in JSON, `text` in text when true (`print_bool`).
    pub fn bool(&mut self, key: &str, text: &str, v: bool) -> io::Result<()> {
        if self.json {
            self.key(key)?;
            self.eor()?;
            self.w.write_all(if v { b"true" } else { b"false" })
        } else if v {
            self.w.write_all(text.as_bytes())
        } else {
            Ok(())
        }
    }

    /// Text only (`PRINT_FP`).
    pub fn text(&mut self, s: &str) -> io::Result<()> {
        if !self.json {
            self.w.write_all(s.as_bytes())?;
        }
        Ok(())
    }

    /// Text only, formatted (`PRINT_FP` with a value).
    pub fn text_fmt(&mut self, fmt: &str, v: impl Display) -> io::Result<()> {
        if !self.json {
            self.text_value(fmt, v)?;
        }
        Ok(())
    }

    /// JSON only (`PRINT_JSON`); an element of an array when `key` is None.
    pub fn json(&mut self, as_: Json, key: Option<&str>, v: impl Display) -> io::Result<()> {
        if self.json {
            self.json_value(as_, key, v)?;
        }
        Ok(())
    }

    /// A line break inside a record in text (`print_nl`: `\` with `-o`);
    /// nothing in JSON.
    pub fn nl(&mut self) -> io::Result<()> {
        self.text(if self.oneline { "\\" } else { "\n" })
    }

    /// The end of a record in text (always a newline); nothing in JSON.
    pub fn end_record(&mut self) -> io::Result<()> {
        self.text("\n")
    }

    /// The writer, for what is written around the printer (`-t`).
    pub fn writer(&mut self) -> &mut W {
        &mut self.w
    }

    /// Flushes what was written to the writer (`ip monitor` writes each
    /// event as it comes).
    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// Ends the output (the JSON array's `]`) and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.json {
            self.end_array()?;
            self.w.write_all(b"\n")?;
        }
        Ok(self.w)
    }

    fn text_value(&mut self, fmt: &str, v: impl Display) -> io::Result<()> {
        match split_placeholder(fmt) {
            Some((a, b)) => {
                self.w.write_all(a.as_bytes())?;
                write!(self.w, "{v}")?;
                self.w.write_all(b.as_bytes())
            }
            None => self.w.write_all(fmt.as_bytes()),
        }
    }

    fn json_value(&mut self, as_: Json, key: Option<&str>, v: impl Display) -> io::Result<()> {
        if let Some(k) = key {
            self.key(k)?;
        }
        self.eor()?;
        match as_ {
            Json::Num => write!(self.w, "{v}"),
            Json::Str => {
                use std::fmt::Write as _;
                self.scratch.clear();
                let _ = write!(self.scratch, "{v}");
                write_json_str(&mut self.w, &self.scratch)
            }
        }
    }
}

/// `fmt` around its first `{}` (a byte scan: `str::split_once` with a
/// string pattern builds a searcher on every call, which showed in
/// profiles of big listings).
fn split_placeholder(fmt: &str) -> Option<(&str, &str)> {
    let b = fmt.as_bytes();
    let mut from = 0;
    while let Some(j) = b[from..].iter().position(|&c| c == b'{') {
        let i = from + j;
        if b.get(i + 1) == Some(&b'}') {
            return Some((&fmt[..i], &fmt[i + 2..]));
        }
        from = i + 1;
    }
    None
}

/// A JSON string as `jsonw_puts` writes it (most need no escaping: one
/// scan, one copy).
fn write_json_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    let b = s.as_bytes();
    if b.iter()
        .all(|&c| c >= 0x20 && c != b'"' && c != b'\\' && c != 0x7f)
    {
        w.write_all(b"\"")?;
        w.write_all(b)?;
        return w.write_all(b"\"");
    }
    w.write_all(b"\"")?;
    Escaper(w).write_all(b)?;
    w.write_all(b"\"")
}

/// Escapes what goes through it as `jsonw_puts` does.
struct Escaper<'w, W: Write>(&'w mut W);

impl<W: Write> Write for Escaper<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in buf.iter().enumerate() {
            let esc: Option<&[u8]> = match b {
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'\n' => Some(b"\\n"),
                b'\t' => Some(b"\\t"),
                b'\r' => Some(b"\\r"),
                0x0c => Some(b"\\f"),
                0x08 => Some(b"\\b"),
                0..=0x1f | 0x7f => None,
                _ => continue,
            };
            self.0.write_all(&buf[start..i])?;
            match esc {
                Some(e) => self.0.write_all(e)?,
                None => write!(self.0, "\\u{b:04x}")?,
            }
            start = i + 1;
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(f: impl Fn(&mut Printer<Vec<u8>>) -> io::Result<()>) -> (String, String) {
        let run = |json| {
            let mut p = Printer::with_pretty(Vec::new(), json, false).unwrap();
            f(&mut p).unwrap();
            String::from_utf8(p.finish().unwrap()).unwrap()
        };
        (run(false), run(true))
    }

    #[test]
    fn placeholder_split() {
        assert_eq!(split_placeholder("a {} b"), Some(("a ", " b")));
        assert_eq!(split_placeholder("{x} {}"), Some(("{x} ", "")));
        assert_eq!(split_placeholder("{}"), Some(("", "")));
        assert_eq!(split_placeholder("no {"), None);
        assert_eq!(split_placeholder("none"), None);
    }

    #[test]
    fn the_same_calls_print_text_and_json() {
        let (text, json) = both(|p| {
            for prio in [0u32, 32766] {
                p.open_object(None)?;
                p.num("priority", "{}:\t", prio)?;
                p.null("not", "not ")?;
                p.str("src", "from {}", "all")?;
                p.text(" ")?;
                p.open_array("flags")?;
                p.json(Json::Str, None, "UP")?;
                p.json(Json::Str, None, "a\"b")?;
                p.close_array()?;
                p.bool("deleted", "Deleted ", false)?;
                p.close_object()?;
                p.nl()?;
            }
            Ok(())
        });
        assert_eq!(text, "0:\tnot from all \n32766:\tnot from all \n");
        assert_eq!(
            json,
            "[{\"priority\":0,\"not\":null,\"src\":\"all\",\"flags\":[\"UP\",\"a\\\"b\"],\"deleted\":false},\
             {\"priority\":32766,\"not\":null,\"src\":\"all\",\"flags\":[\"UP\",\"a\\\"b\"],\"deleted\":false}]\n"
        );
        let (text, json) = both(|_| Ok(()));
        assert_eq!((text.as_str(), json.as_str()), ("", "[]\n"));
    }
}
