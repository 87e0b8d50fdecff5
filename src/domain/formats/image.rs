//! The pixel size of the organisation's logo (PNG, JPEG, WebP or SVG), read from its header, so
//! that pages give the `<img>` its width and height and nothing shifts as it loads.

/// The logo's intrinsic (width, height), if its header says it.
pub fn size(bytes: &[u8]) -> Option<(u32, u32)> {
    let found = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg(bytes)
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp(bytes)
    } else {
        svg(std::str::from_utf8(bytes).ok()?)
    };
    found.filter(|(w, h)| *w > 0 && *h > 0)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// The IHDR chunk, always first.
fn png(b: &[u8]) -> Option<(u32, u32)> {
    (b.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// The first start-of-frame segment (SOF0–SOF15, but not DHT, JPG and DAC).
fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *b.get(at)? != 0xFF {
            at += 1;
        }
        while *b.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *b.get(at)?;
        at += 1;
        if matches!(marker, 0xD0..=0xD9 | 0x01) {
            continue; // no length
        }
        let len = usize::try_from(be16(b, at)?).ok()?;
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return Some((be16(b, at + 5)?, be16(b, at + 3)?));
        }
        at += len;
    }
}

/// The lossy (`VP8 `), lossless (`VP8L`) or extended (`VP8X`) header.
fn webp(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        b"VP8 " => Some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF)),
        b"VP8L" => {
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        _ => None,
    }
}

/// The root element's `width` and `height` in pixels, else its `viewBox`.
fn svg(text: &str) -> Option<(u32, u32)> {
    let start = text.find("<svg")?;
    let tag = &text[start..start + text[start..].find('>')?];
    let attr = |name: &str| {
        let at = tag.find(&format!(" {name}="))? + name.len() + 2;
        let quote = tag[at..].chars().next()?;
        let rest = &tag[at + 1..];
        Some(&rest[..rest.find(quote)?])
    };
    let px = |v: &str| {
        let v = v.trim().trim_end_matches("px");
        v.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 1.0)
    };
    let rounded = |n: f64| format!("{:.0}", n.round()).parse::<u32>().ok();
    if let (Some(w), Some(h)) = (attr("width").and_then(px), attr("height").and_then(px)) {
        return Some((rounded(w)?, rounded(h)?));
    }
    let view: Vec<f64> = attr("viewBox")?
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    match view[..] {
        [_, _, w, h] if w >= 1.0 && h >= 1.0 => Some((rounded(w)?, rounded(h)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_jpeg_and_webp_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 1, 44, 0, 0, 0, 80, 8, 6, 0, 0, 0]);
        assert_eq!(size(&png), Some((300, 80)));
        // SOI, an APP0 segment, then SOF0 with height 120 and width 400
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 120, 1, 144, 3, 0, 0, 0,
        ];
        assert_eq!(size(&jpeg), Some((400, 120)));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        vp8x.extend_from_slice(&[199, 0, 0, 49, 0, 0]);
        assert_eq!(size(&vp8x), Some((200, 50)));
        let mut lossless = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        let bits: u32 = 99 | (24 << 14);
        lossless.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(size(&lossless), Some((100, 25)));
    }

    #[test]
    fn svg_size_or_view_box() {
        assert_eq!(
            size(br#"<svg xmlns="x" width="120" height="40px">"#),
            Some((120, 40))
        );
        assert_eq!(
            size(br#"<?xml?><svg viewBox="0 0 240.4 60">"#),
            Some((240, 60))
        );
        assert_eq!(
            size(br#"<svg width="100%" height="100%" viewBox='0,0,32,8'>"#),
            Some((32, 8))
        );
        assert_eq!(size(br"<svg>"), None);
    }

    #[test]
    fn anything_else_has_no_size() {
        assert_eq!(size(b""), None);
        assert_eq!(size(b"\x89PNG\r\n\x1a\n"), None, "cut short");
        assert_eq!(size(&[0xFF, 0xD8, 0xFF]), None, "cut short");
        assert_eq!(size(b"GIF89a"), None);
    }
}
