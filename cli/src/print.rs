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

/// Writes either text or JSON from the same calls.
pub struct Printer<W: Write> {
    w: W,
    json: bool,
    /// Per open JSON container: whether nothing has been written in it yet.
    first: Vec<bool>,
}

impl<W: Write> Printer<W> {
    /// A printer writing JSON (`ip -j`) or text to `w`.
    pub fn new(mut w: W, json: bool) -> io::Result<Self> {
        if json {
            w.write_all(b"[")?;
        }
        Ok(Printer {
            w,
            json,
            first: vec![true],
        })
    }

    /// Whether this printer writes JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    fn sep(&mut self) -> io::Result<()> {
        let first = self.first.last_mut().expect("an open container");
        if !std::mem::replace(first, false) {
            self.w.write_all(b",")?;
        }
        Ok(())
    }

    fn key(&mut self, k: &str) -> io::Result<()> {
        self.sep()?;
        write!(self.w, "\"{k}\":")
    }

    /// Opens an object: an element of the array open, or `key`'s value.
    pub fn open_object(&mut self, key: Option<&str>) -> io::Result<()> {
        if self.json {
            match key {
                Some(k) => self.key(k)?,
                None => self.sep()?,
            }
            self.first.push(true);
            self.w.write_all(b"{")?;
        }
        Ok(())
    }

    /// Closes the object opened last.
    pub fn close_object(&mut self) -> io::Result<()> {
        if self.json {
            self.first.pop();
            self.w.write_all(b"}")?;
        }
        Ok(())
    }

    /// Opens an array under `key` (JSON only; text prints nothing).
    pub fn open_array(&mut self, key: &str) -> io::Result<()> {
        if self.json {
            self.key(key)?;
            self.first.push(true);
            self.w.write_all(b"[")?;
        }
        Ok(())
    }

    /// Closes the array opened last.
    pub fn close_array(&mut self) -> io::Result<()> {
        if self.json {
            self.first.pop();
            self.w.write_all(b"]")?;
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
            self.w.write_all(b"null")
        } else {
            self.w.write_all(text.as_bytes())
        }
    }

    /// A boolean in JSON, `text` in text when true (`print_bool`).
    pub fn bool(&mut self, key: &str, text: &str, v: bool) -> io::Result<()> {
        if self.json {
            self.key(key)?;
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

    /// The end of a line in text (`print_nl`); nothing in JSON.
    pub fn nl(&mut self) -> io::Result<()> {
        self.text("\n")
    }

    /// Ends the output (the JSON array's `]`) and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.json {
            self.w.write_all(b"]\n")?;
        }
        Ok(self.w)
    }

    fn text_value(&mut self, fmt: &str, v: impl Display) -> io::Result<()> {
        match fmt.split_once("{}") {
            Some((a, b)) => {
                self.w.write_all(a.as_bytes())?;
                write!(self.w, "{v}")?;
                self.w.write_all(b.as_bytes())
            }
            None => self.w.write_all(fmt.as_bytes()),
        }
    }

    fn json_value(&mut self, as_: Json, key: Option<&str>, v: impl Display) -> io::Result<()> {
        match key {
            Some(k) => self.key(k)?,
            None => self.sep()?,
        }
        match as_ {
            Json::Num => write!(self.w, "{v}"),
            Json::Str => {
                self.w.write_all(b"\"")?;
                write!(Escaper(&mut self.w), "{v}")?;
                self.w.write_all(b"\"")
            }
        }
    }
}

/// Escapes what goes through it as a JSON string's contents.
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
                0..=0x1f => None,
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
            let mut p = Printer::new(Vec::new(), json).unwrap();
            f(&mut p).unwrap();
            String::from_utf8(p.finish().unwrap()).unwrap()
        };
        (run(false), run(true))
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
