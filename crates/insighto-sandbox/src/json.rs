//! Request bodies parsed the way FastAPI parses them: Python's `json` module.
//!
//! FastAPI hands the body to `json.loads`, so what it accepts and where it reports a
//! syntax error (`loc: ["body", <character offset>]`) are Python's. This parser follows
//! the CPython scanner: the same grammar (`NaN`, `Infinity` and `-Infinity` included),
//! the same error positions (in characters, not bytes), arbitrary nesting up to the depth
//! where Python gives up with a `RecursionError`.
//!
//! JSON values cannot hold `NaN` or an infinity, so those parse as [`non_finite`]: an
//! object no profile field accepts (a profile has no float fields), refused wherever a
//! field is checked and ignored, as by FastAPI, in a field the model does not know.

use serde_json::{Map, Number, Value};

/// Nesting beyond this makes Python's scanner hit its recursion limit (about 1000 frames
/// under uvicorn), which FastAPI answers with 400; below it, Python parses the body.
pub const MAX_DEPTH: usize = 900;

/// Why a body is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// A syntax error at this character offset (FastAPI: 422, `loc: ["body", offset]`).
    Syntax(usize),
    /// Not UTF-8, or nested too deeply (FastAPI: 400 "There was an error parsing the body").
    Unparsable,
}

/// The stand-in for Python's `nan`, `inf` and `-inf`.
pub fn non_finite(which: &str) -> Value {
    let mut marker = Map::new();
    marker.insert(
        "\u{0}non-finite".to_owned(),
        Value::String(which.to_owned()),
    );
    Value::Object(marker)
}

/// Parses a body as `json.loads(bytes)` would (a UTF-8 byte-order mark is skipped).
pub fn parse(body: &[u8]) -> Result<Value, JsonError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| JsonError::Unparsable)?;
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser { s: &chars };
    let start = parser.ws(0);
    let (value, end) = parser.value(start, 0)?;
    let end = parser.ws(end);
    if end != chars.len() {
        return Err(JsonError::Syntax(end)); // "Extra data"
    }
    Ok(value)
}

struct Parser<'a> {
    s: &'a [char],
}

type Step<T> = Result<(T, usize), JsonError>;

impl Parser<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn ws(&self, mut i: usize) -> usize {
        while matches!(self.at(i), Some(' ' | '\t' | '\n' | '\r')) {
            i += 1;
        }
        i
    }

    fn literal(&self, i: usize, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(k, c)| self.at(i + k) == Some(c))
    }

    fn value(&mut self, i: usize, depth: usize) -> Step<Value> {
        let expecting_value = Err(JsonError::Syntax(i));
        match self.at(i) {
            None => expecting_value,
            Some('"') => self.string(i + 1).map(|(s, end)| (Value::String(s), end)),
            Some('{') => self.object(i + 1, depth + 1),
            Some('[') => self.array(i + 1, depth + 1),
            Some('n') if self.literal(i, "null") => Ok((Value::Null, i + 4)),
            Some('t') if self.literal(i, "true") => Ok((Value::Bool(true), i + 4)),
            Some('f') if self.literal(i, "false") => Ok((Value::Bool(false), i + 5)),
            Some('N') if self.literal(i, "NaN") => Ok((non_finite("NaN"), i + 3)),
            Some('I') if self.literal(i, "Infinity") => Ok((non_finite("Infinity"), i + 8)),
            Some('-') if self.literal(i, "-Infinity") => Ok((non_finite("-Infinity"), i + 9)),
            Some(_) => self.number(i).ok_or(JsonError::Syntax(i)),
        }
    }

    fn number(&self, i: usize) -> Option<(Value, usize)> {
        let digit = |j: usize| self.at(j).is_some_and(|c| c.is_ascii_digit());
        let mut j = i;
        if self.at(j) == Some('-') {
            j += 1;
        }
        match self.at(j) {
            Some('0') => j += 1,
            Some('1'..='9') => {
                while digit(j) {
                    j += 1;
                }
            }
            _ => return None,
        }
        let mut float = false;
        if self.at(j) == Some('.') && digit(j + 1) {
            float = true;
            j += 1;
            while digit(j) {
                j += 1;
            }
        }
        if matches!(self.at(j), Some('e' | 'E')) {
            let mut k = j + 1;
            if matches!(self.at(k), Some('+' | '-')) {
                k += 1;
            }
            if digit(k) {
                while digit(k) {
                    k += 1;
                }
                float = true;
                j = k;
            }
        }
        let text: String = self.s[i..j].iter().collect();
        let int = (!float)
            .then(|| {
                text.parse::<i64>()
                    .map(Number::from)
                    .or_else(|_| text.parse::<u64>().map(Number::from))
                    .ok()
            })
            .flatten();
        let number = match int {
            Some(n) => n,
            // Python keeps huge integers exact and turns 1e400 into inf; a clamped f64
            // keeps what validation needs (a number, not 0 or 1, far out of range).
            None => {
                let f: f64 = text.parse().unwrap_or(f64::MAX);
                Number::from_f64(f.clamp(f64::MIN, f64::MAX))?
            }
        };
        Some((Value::Number(number), j))
    }

    /// `i` is just after the opening quote.
    fn string(&self, i: usize) -> Step<String> {
        let begin = i - 1;
        let unterminated = JsonError::Syntax(begin);
        let mut out = String::new();
        let mut next = i;
        loop {
            let c = self.at(next).ok_or(unterminated.clone())?;
            match c {
                '"' => return Ok((out, next + 1)),
                '\\' => {
                    next += 1;
                    let e = self.at(next).ok_or(unterminated.clone())?;
                    if e != 'u' {
                        out.push(match e {
                            '"' => '"',
                            '\\' => '\\',
                            '/' => '/',
                            'b' => '\u{8}',
                            'f' => '\u{c}',
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            _ => return Err(JsonError::Syntax(next - 1)),
                        });
                        next += 1;
                        continue;
                    }
                    let (code, end) = self.hex4(next + 1)?;
                    next = end;
                    let mut scalar = code;
                    if (0xD800..0xDC00).contains(&code)
                        && self.at(next) == Some('\\')
                        && self.at(next + 1) == Some('u')
                    {
                        let (low, end) = self.hex4(next + 2)?;
                        if (0xDC00..0xE000).contains(&low) {
                            scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            next = end;
                        }
                    }
                    // A lone surrogate is legal for Python; Rust strings cannot hold one.
                    out.push(char::from_u32(scalar).unwrap_or('\u{FFFD}'));
                }
                c if (c as u32) < 0x20 => return Err(JsonError::Syntax(next)),
                c => {
                    out.push(c);
                    next += 1;
                }
            }
        }
    }

    /// Four hex digits starting at `i` (just after `\u`); errors point at the `u`.
    fn hex4(&self, i: usize) -> Step<u32> {
        let bad = JsonError::Syntax(i - 1);
        if i + 4 >= self.s.len() {
            return Err(bad);
        }
        let mut code = 0;
        for k in i..i + 4 {
            code = code * 16 + self.s[k].to_digit(16).ok_or(bad.clone())?;
        }
        Ok((code, i + 4))
    }

    fn object(&mut self, i: usize, depth: usize) -> Step<Value> {
        if depth > MAX_DEPTH {
            return Err(JsonError::Unparsable);
        }
        let mut map = Map::new();
        let mut i = self.ws(i);
        if self.at(i) == Some('}') {
            return Ok((Value::Object(map), i + 1));
        }
        loop {
            if self.at(i) != Some('"') {
                return Err(JsonError::Syntax(i)); // "Expecting property name"
            }
            let (key, end) = self.string(i + 1)?;
            i = self.ws(end);
            if self.at(i) != Some(':') {
                return Err(JsonError::Syntax(i)); // "Expecting ':' delimiter"
            }
            i = self.ws(i + 1);
            let (value, end) = self.value(i, depth)?;
            map.insert(key, value); // the last duplicate wins, as in Python
            i = self.ws(end);
            match self.at(i) {
                Some('}') => return Ok((Value::Object(map), i + 1)),
                Some(',') => i = self.ws(i + 1),
                _ => return Err(JsonError::Syntax(i)), // "Expecting ',' delimiter"
            }
        }
    }

    fn array(&mut self, i: usize, depth: usize) -> Step<Value> {
        if depth > MAX_DEPTH {
            return Err(JsonError::Unparsable);
        }
        let mut items = Vec::new();
        let mut i = self.ws(i);
        if self.at(i) == Some(']') {
            return Ok((Value::Array(items), i + 1));
        }
        loop {
            let (value, end) = self.value(i, depth)?;
            items.push(value);
            i = self.ws(end);
            match self.at(i) {
                Some(']') => return Ok((Value::Array(items), i + 1)),
                Some(',') => i = self.ws(i + 1),
                _ => return Err(JsonError::Syntax(i)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions as CPython 3.11's `json.loads` reports them (`JSONDecodeError.pos`).
    #[test]
    fn syntax_errors_at_pythons_positions() {
        let cases = [
            ("{", 1),
            ("{\"a\"", 4),
            ("{\"a\":", 5),
            ("{\"a\":1", 6),
            ("{\"a\":1,", 7),
            ("{\"a\":1,}", 7),
            ("{\"a\" 1}", 5),
            ("{a:1}", 1),
            ("[", 1),
            ("[1", 2),
            ("[1,]", 3),
            ("[1 2]", 3),
            ("{} x", 3),
            ("{}}", 2),
            ("tru", 0),
            ("-", 0),
            ("01", 1),
            ("1.", 1),
            ("1.e5", 1),
            ("1e", 1),
            ("\"abc", 0),
            ("\"a\\x\"", 2),
            ("\"a\\u12\"", 3),
            ("\"a\\u12zz\"", 3),
            ("\"\\ud800\\uzzzz\"", 8),
            ("\"a\nb\"", 2),
            ("{\"a\":\"\\", 5),
            ("", 0),
            ("   ", 3),
            ("{\"a\":[1,2,}", 10),
            ("{\"first_name\": \"x\" \"y\"}", 19),
            ("{\"a\":-}", 5),
            ("{'a':1}", 1),
            ("{\"a\":1}\n\n x", 10),
            ("é{", 0),
            ("{\"é\":1,,}", 7),
            ("{\"a\":\"\t\"}", 6),
        ];
        for (text, pos) in cases {
            assert_eq!(
                parse(text.as_bytes()),
                Err(JsonError::Syntax(pos)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parses_what_python_parses() {
        let v = parse("\u{feff}{\"a\": [1, -2.5e3, 1e400, 123456789012345678901234], \"a\": \"\\u00e9\\ud83d\\ude00\"}".as_bytes())
            .unwrap();
        assert_eq!(v["a"], "é😀");
        let v = parse(b"[NaN, -Infinity, Infinity]").unwrap();
        assert_eq!(v[0], non_finite("NaN"));
        assert_eq!(v[1], non_finite("-Infinity"));
        assert_eq!(parse(b"[Inf]"), Err(JsonError::Syntax(1)));
        let deep = format!("{}{}", "[".repeat(500), "]".repeat(500));
        assert!(parse(deep.as_bytes()).is_ok());
        let deeper = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deeper.as_bytes()), Err(JsonError::Unparsable));
        assert_eq!(parse(b"{\"a\": \"\xff\"}"), Err(JsonError::Unparsable));
    }
}
