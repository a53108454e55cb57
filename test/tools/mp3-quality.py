#!/usr/bin/env python3
"""
How much an MP3 of the narration loses against its source, for README's "MP3 quality".
Not part of the test suite (it needs python3, numpy and ffmpeg).

    python3 test/tools/mp3-quality.py SOURCE.wav A.mp3 [B.mp3 ...]

SOURCE.wav is lectern's WAV of the narration (`--audio wav`); each MP3 is decoded by
ffmpeg and shifted by lectern's MP3 delay (1105 samples, checked by cross-correlation).
Measures, each over the frames that hold speech (energy within 40 dB of the loudest frame):

- segSNR: 20 ms frames, not overlapping; each frame's SNR clamped to -10..35 dB; the mean.
  Higher is better. It rewards noise spread evenly, which is not what ears hear.
- LSD (log-spectral distance): 512-sample Hann frames, hop 256; power in dB, floored 100 dB
  below the loudest bin; RMS difference over the bins of a band, averaged over frames.
  Lower is better. Bands 50 Hz-4 kHz and 4-9.5 kHz (LAME's low-pass at 64 kb/s and
  22.05 kHz is about 10 kHz).
- holes: in 4-9.5 kHz, the share of bins within 40 dB of the frame's loudest bin there that
  decode more than 20 dB weaker than the source (detail of s, sh, f gone).
- NMR disturbed frames: a simplified PEAQ-style noise-to-mask ratio. 1024-sample Hann
  frames, hop 512; 0.25-Bark bands from 80 Hz to 9.5 kHz; the mask is the source's band
  energies spread 27 dB/Bark downwards and 24 + 230/f - 0.2*60 dB/Bark upwards, less PEAQ's
  offset (3 dB up to 12 Bark, 0.25*z dB above), and not below the threshold in quiet (full
  scale = 92 dB SPL). The share of frames where some band's noise exceeds its mask by more
  than 1.5 dB (PEAQ's "relative disturbed frames"). Lower is better.
"""
import subprocess
import sys
import wave

import numpy as np

DELAY = 1105


def read_wav(path):
    with wave.open(path) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, 'expected 16-bit mono'
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(np.float64)


def decode(path, sr):
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-f', 's16le', '-ac', '1', '-ar', str(sr), '-'], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype='<i2').astype(np.float64)


def stft_power(x, n, hop):
    count = (len(x) - n) // hop + 1
    idx = np.arange(n)[None, :] + hop * np.arange(count)[:, None]
    return np.abs(np.fft.rfft(x[idx] * np.hanning(n), axis=1)) ** 2


def best_lag(ref, dec, n=8192):
    at = int(np.argmax(np.convolve(ref ** 2, np.ones(n), 'valid')))
    seg = ref[at:at + n]
    return max(range(0, 3000), key=lambda lag: float(np.dot(seg, dec[at + lag:at + lag + n])))


def main():
    sr, ref = read_wav(sys.argv[1])
    N = len(ref)
    # segSNR frames
    FR = int(sr * 0.02)
    nf = N // FR
    eref = (ref[:nf * FR].reshape(nf, FR) ** 2).sum(1)
    active = eref > eref.max() * 1e-4
    # LSD frames
    S_ref = stft_power(ref, 512, 256)
    sact = S_ref.sum(1) > S_ref.sum(1).max() * 1e-4
    freqs = np.fft.rfftfreq(512, 1 / sr)
    floor = S_ref[sact].max() * 1e-10
    # NMR frames, bands and masks
    n2 = 1024
    win = np.hanning(n2)
    P_ref = stft_power(ref, n2, 512)
    nact = P_ref.sum(1) > P_ref.sum(1).max() * 1e-4
    f2 = np.fft.rfftfreq(n2, 1 / sr)
    bark = lambda f: 7 * np.arcsinh(f / 650)
    zlo, zhi, res = bark(80.0), bark(9500.0), 0.25
    nb = int(np.floor((zhi - zlo) / res))
    zc = zlo + res * (np.arange(nb) + 0.5)
    fc = 650 * np.sinh(zc / 7)
    band = np.floor((bark(f2) - zlo) / res).astype(int)
    ok = (band >= 0) & (band < nb)
    M = np.zeros((len(f2), nb))
    M[np.arange(len(f2))[ok], band[ok]] = 1
    dz = zc[None, :] - zc[:, None]
    spread = 10 ** (np.where(dz < 0, 27 * dz, -(24 + 230 / fc[:, None] - 12) * dz) / 10)
    spread /= spread.sum(1, keepdims=True)
    offset = np.where(zc <= 12, 3.0, 0.25 * zc)
    full_scale = (32767 * win.sum() / 2) ** 2
    fk = fc / 1000
    quiet = 3.64 * fk ** -0.8 - 6.5 * np.exp(-0.6 * (fk - 3.3) ** 2) + 1e-3 * fk ** 4
    mask = np.maximum((P_ref[nact] @ M) @ spread / 10 ** (offset / 10), full_scale * 10 ** ((quiet - 92) / 10) * M.sum(0))

    def lsd(S, lo, hi):
        b = (freqs >= lo) & (freqs <= hi)
        a = 10 * np.log10(np.maximum(S_ref[sact][:, b], floor))
        d = 10 * np.log10(np.maximum(S[sact][:, b], floor))
        return float(np.sqrt(((a - d) ** 2).mean(1)).mean()), a, d

    print(f'{N} samples at {sr} Hz; speech frames: {int(active.sum())} of {nf} (segSNR), {int(sact.sum())} (LSD), {int(nact.sum())} (NMR)')
    print('file | lag | segSNR dB | LSD 50 Hz-4 kHz dB | LSD 4-9.5 kHz dB | holes 4-9.5 kHz | NMR disturbed frames')
    for path in sys.argv[2:]:
        raw = decode(path, sr)
        lag = best_lag(ref, raw)
        dec = raw[DELAY:DELAY + N]
        if len(dec) < N:
            dec = np.concatenate([dec, np.zeros(N - len(dec))])
        err = dec - ref
        seg = 10 * np.log10(eref[active] / np.maximum((err[:nf * FR].reshape(nf, FR) ** 2).sum(1)[active], 1e-9))
        segsnr = float(np.clip(seg, -10, 35).mean())
        S = stft_power(dec, 512, 256)
        low, _, _ = lsd(S, 50, 4000)
        high, a, d = lsd(S, 4000, 9500)
        near = a > a.max(1, keepdims=True) - 40
        holes = float(((d < a - 20) & near).sum() / near.sum() * 100)
        ratio = (stft_power(err, n2, 512)[nact] @ M) / mask
        disturbed = float((10 * np.log10(ratio.max(1)) > 1.5).mean() * 100)
        print(f'{path} | {lag} | {segsnr:.2f} | {low:.2f} | {high:.2f} | {holes:.1f}% | {disturbed:.1f}%')


main()
