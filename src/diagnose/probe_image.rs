//! The probe image: `FROM scratch` plus the host's static busybox, built locally (no
//! registry) the first time something has to be probed from inside the stack's networks. It
//! carries poc-tui's label; an image of that name without it (pulled, or built by someone
//! else) is never run: poc-tui builds its own over the name.

use std::path::Path;

use bollard::query_parameters::BuildImageOptions;
use bollard::Docker;
use bytes::Bytes;
use futures::StreamExt;

/// The label that says poc-tui built the image.
pub const IMAGE_LABEL: &str = "poc-tui.probe-image";

const DOCKERFILE: &str = "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nLABEL poc-tui.probe-image=true\nENTRYPOINT [\"/bin/busybox\"]\n";

/// True when `image` exists and carries poc-tui's label.
async fn is_ours(docker: &Docker, image: &str) -> Result<bool, String> {
    match docker.inspect_image(image).await {
        Ok(found) => Ok(found
            .config
            .and_then(|c| c.labels)
            .is_some_and(|l| l.get(IMAGE_LABEL).map(String::as_str) == Some("true"))),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(false),
        Err(e) => Err(format!("cannot inspect the probe image {image}: {e}")),
    }
}

/// Makes sure `image` exists and is poc-tui's, building it from `busybox` (a static binary)
/// when it is missing or is not labelled as poc-tui's.
pub async fn ensure(docker: &Docker, image: &str, busybox: &Path) -> Result<(), String> {
    if is_ours(docker, image).await? {
        return Ok(());
    }
    let binary = tokio::fs::read(busybox).await.map_err(|e| {
        format!(
            "cannot read {} to build the probe image: {e} (install Debian's busybox-static)",
            busybox.display()
        )
    })?;
    let mut archive = Vec::new();
    append_file(&mut archive, "Dockerfile", DOCKERFILE.as_bytes(), 0o644)?;
    append_file(&mut archive, "busybox", &binary, 0o755)?;
    archive.extend_from_slice(&[0u8; 1024]);
    let options = BuildImageOptions {
        t: Some(image.to_owned()),
        rm: true,
        forcerm: true,
        ..BuildImageOptions::default()
    };
    let mut stream = docker.build_image(
        options,
        None,
        Some(bollard::body_full(Bytes::from(archive))),
    );
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| format!("building the probe image {image} failed: {e}"))?;
        if let Some(detail) = info.error_detail {
            return Err(format!(
                "building the probe image {image} failed: {}",
                detail.message.unwrap_or_default()
            ));
        }
    }
    if is_ours(docker, image).await? {
        Ok(())
    } else {
        Err(format!(
            "the probe image {image} does not carry the {IMAGE_LABEL} label after its build"
        ))
    }
}

/// Appends one regular file to a ustar archive.
fn append_file(out: &mut Vec<u8>, name: &str, data: &[u8], mode: u32) -> Result<(), String> {
    if name.len() >= 100 {
        return Err(format!("tar entry name too long: {name}"));
    }
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    put_octal(&mut header[100..108], u64::from(mode));
    put_octal(&mut header[108..116], 0);
    put_octal(&mut header[116..124], 0);
    put_octal(&mut header[124..136], data.len() as u64);
    put_octal(&mut header[136..148], 0);
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    // The checksum is computed with its own field read as spaces.
    header[148..156].copy_from_slice(b"        ");
    let sum: u64 = header.iter().map(|b| u64::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    header[148..156].copy_from_slice(text.as_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    let pad = (512 - data.len() % 512) % 512;
    out.extend(std::iter::repeat_n(0u8, pad));
    Ok(())
}

/// Writes `value` as zero-padded octal ending in NUL, filling the field.
fn put_octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    let bytes = text.as_bytes();
    let start = bytes.len().saturating_sub(width);
    field[..width].copy_from_slice(&bytes[start..]);
    field[width] = 0;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tar_entries_are_block_aligned_with_valid_checksums() {
        let mut out = Vec::new();
        append_file(&mut out, "Dockerfile", b"FROM scratch\n", 0o644).unwrap();
        assert_eq!(out.len(), 1024);
        let header = &out[..512];
        assert_eq!(&header[..10], b"Dockerfile");
        assert_eq!(&header[124..135], b"00000000015");
        let stored = std::str::from_utf8(&header[148..154]).unwrap();
        let mut copy = header.to_vec();
        copy[148..156].copy_from_slice(b"        ");
        let sum: u64 = copy.iter().map(|b| u64::from(*b)).sum();
        assert_eq!(u64::from_str_radix(stored, 8).unwrap(), sum);
        assert!(append_file(&mut out, &"x".repeat(120), b"", 0o644).is_err());
    }
}
