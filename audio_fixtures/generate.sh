#!/usr/bin/env bash
# Regenerate every audio fixture in this folder from its .txt script.
#
#   bash audio_fixtures/generate.sh          # from anywhere; takes ~15 s
#
# Each NAME.txt holds the exact words of one take, one phrase per line.  Every
# line is synthesised as its own utterance, its edge silence trimmed, and the
# lines joined with GAP_S of silence (a sentence pause, just over the 0.3 s the
# coach counts as a pause), with LEAD_S of silence before the first word and
# TAIL_S after the last.  A line "<gap S>" makes the next gap S seconds instead
# (a number said in groups: "four one five" <gap 0.6> "five five five" ...).
# The derived takes (phone band, leading silence,
# tempo, 44.1 kHz stereo, lossy formats, benchmark padding) are then made from
# those with sox and ffmpeg.  fixtures.toml says what each one is for and what
# the coach should find; README.md explains the set.
#
# Output: 16-bit FLAC, mono, 16 kHz unless fixtures.toml says otherwise, peaks
# normalised to PEAK_DB.  Deterministic: festival and espeak-ng are, sox runs
# in repeatable mode (-R: fixed random seed for the noise) without dither (-D),
# and ffmpeg encodes with bitexact flags, so the same tool versions give
# byte-identical files.  Safe to run again: everything is built in a temporary
# folder and moved into place only when all of it has been made.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

PACKAGES="festival festvox-us-slt-hts festvox-kallpc16k espeak-ng sox libsox-fmt-all ffmpeg"
SR=16000                 # sample rate of the takes, unless a take says otherwise
LEAD_S=0.3               # silence before the first word
GAP_S=0.35               # silence between the lines of a script
TAIL_S=0.6               # silence after the last word
PEAK_DB=-12              # peak level, dBFS (speech then sits around -28 dBFS RMS)
ESPEAK_VOICE=en-us+klatt # US English; the klatt variant's names come through Whisper better
ESPEAK_GAP=4             # espeak-ng -g: extra gap between words, in 10 ms units

die() {
  echo "generate.sh: $*" >&2
  echo "Install the tools with:  sudo apt-get install $PACKAGES" >&2
  exit 1
}

# --- tools ------------------------------------------------------------------
missing=()
for tool in festival text2wave espeak-ng sox soxi ffmpeg ffprobe awk; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}"
festival --batch '(voice_cmu_us_slt_arctic_hts)' >/dev/null 2>&1 ||
  die "the festival voice cmu_us_slt_arctic_hts is missing (package festvox-us-slt-hts)"
festival --batch '(voice_kal_diphone)' >/dev/null 2>&1 ||
  die "the festival voice kal_diphone is missing (package festvox-kallpc16k)"
espeak-ng -v "$ESPEAK_VOICE" -q "test" >/dev/null 2>&1 || die "espeak-ng cannot speak $ESPEAK_VOICE"
sox -n -t flac /dev/null trim 0 0.01 >/dev/null 2>&1 || die "sox cannot write FLAC (libsox-fmt-all)"
encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
for enc in flac libmp3lame aac libvorbis; do
  grep -qw "$enc" <<<"$encoders" || die "ffmpeg has no $enc encoder"
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
WAV="$TMP/wav" # lossless intermediates, NAME.wav
OUT="$TMP/out" # finished fixtures
mkdir -p "$WAV" "$OUT"

SOX=(sox -R -D -V1) # repeatable, no dither, errors only
FFMPEG=(ffmpeg -hide_banner -loglevel error -nostdin -y)
BITEXACT=(-map_metadata -1 -fflags +bitexact -flags:a +bitexact)

# synth_line ENGINE RATE TEXTFILE WAV
#   slt:    festival cmu_us_slt_arctic_hts; RATE is hts_engine's speed (-r; 1.0 normal, higher faster)
#   kal:    festival kal_diphone; RATE is Duration_Stretch (1.0 normal, higher slower)
#   espeak: espeak-ng $ESPEAK_VOICE; RATE is espeak's -s, words a minute
synth_line() {
  local engine=$1 rate=$2 text=$3 wav=$4
  case $engine in
    slt)
      text2wave -eval '(voice_cmu_us_slt_arctic_hts)' \
        -eval "(set! hts_engine_params (append hts_engine_params (list (list \"-r\" $rate))))" \
        "$text" -o "$wav" >/dev/null
      ;;
    kal)
      text2wave -eval '(voice_kal_diphone)' -eval "(Parameter.set 'Duration_Stretch $rate)" \
        "$text" -o "$wav" >/dev/null
      ;;
    espeak)
      espeak-ng -v "$ESPEAK_VOICE" -g "$ESPEAK_GAP" -s "$rate" -f "$text" -w "$wav"
      ;;
    *)
      echo "unknown engine $engine" >&2
      return 1
      ;;
  esac
}

# take NAME ENGINE RATE [LAST_RATE [RATE_HZ]]
#   Synthesise NAME.txt line by line into $WAV/NAME.wav.  LAST_RATE (default
#   RATE) is used for the last line, to say the closing number more slowly;
#   RATE_HZ (default SR) is the sample rate of the take.
take() {
  local name=$1 engine=$2 rate=$3 last_rate=${4:-$3} hz=${5:-$SR}
  local -a lines parts=()
  local i r part gap=$GAP_S last
  mapfile -t lines < <(grep -v '^[[:space:]]*$' "$name.txt")
  [ ${#lines[@]} -gt 0 ] || { echo "$name.txt is empty" >&2; return 1; }
  last=$((${#lines[@]} - 1))
  for i in "${!lines[@]}"; do
    if [[ ${lines[$i]} =~ ^\<gap\ ([0-9.]+)\>$ ]]; then
      gap=${BASH_REMATCH[1]}
      continue
    fi
    r=$rate
    [ "$i" -eq "$last" ] && r=$last_rate
    printf '%s\n' "${lines[$i]}" >"$TMP/line.txt"
    synth_line "$engine" "$r" "$TMP/line.txt" "$TMP/raw.wav"
    part="$TMP/$name.$i.wav"
    # resample, then trim the utterance's own silence at both ends
    "${SOX[@]}" "$TMP/raw.wav" -r "$hz" -c 1 -b 16 "$part" \
      rate -v "$hz" silence 1 0.01 -50d reverse silence 1 0.01 -50d reverse
    if [ ${#parts[@]} -gt 0 ]; then
      "${SOX[@]}" -n -r "$hz" -c 1 -b 16 "$TMP/gap.$i.wav" trim 0 "$gap"
      parts+=("$TMP/gap.$i.wav")
    fi
    parts+=("$part")
    gap=$GAP_S
  done
  "${SOX[@]}" "${parts[@]}" -b 16 "$WAV/$name.wav" pad "$LEAD_S" "$TAIL_S" gain -n "$PEAK_DB"
}

# pad_to NAME SOURCE SECONDS: SOURCE with trailing silence up to SECONDS long.
pad_to() {
  local name=$1 src=$2 seconds=$3 extra
  extra=$(awk -v s="$seconds" -v h="$(soxi -D "$WAV/$src.wav")" 'BEGIN { printf "%.4f", s - h }')
  awk -v e="$extra" 'BEGIN { exit !(e >= 0) }' ||
    { echo "$src is longer than $seconds s" >&2; return 1; }
  "${SOX[@]}" "$WAV/$src.wav" "$WAV/$name.wav" pad 0 "$extra"
}

# to_flac NAME: $WAV/NAME.wav -> $OUT/NAME.flac (16-bit, best compression)
to_flac() {
  "${FFMPEG[@]}" -i "$WAV/$1.wav" -c:a flac -compression_level 12 -sample_fmt s16 \
    "${BITEXACT[@]}" "$OUT/$1.flac"
}

echo "synthesising the takes..."
# --- synthesised takes --------------------------------------------------------
#    name                  engine rate last  Hz
take t1_good_slt           slt    0.8  0.66
take t1_good_kal           kal    1.37 1.4
take t2_good_espeak        espeak 172  150
take t3_good_slt           slt    0.8  0.78
take t1_trick_kal          kal    1.45
take t2_did_you_get_espeak espeak 140
# numbers said in groups with 0.4-0.8 s pauses inside them (a live take is cut at pauses)
take t1_grouped_early_slt  slt    0.72
take t1_grouped_end_kal    kal    1.45
take t1_grouped_both_espeak espeak 150
# the two long takes are kept at 8 kHz, a voicemail system's rate (and half the bytes)
take t1_buried_slt         slt    0.64 0.64  8000
take t1_too_long           slt    0.74 0.72  8000

echo "deriving the variants..."
# --- variants made with sox / ffmpeg ------------------------------------------
# telephone band, a little compression, 8 kHz
"${SOX[@]}" "$WAV/t1_good_slt.wav" -r 8000 -b 16 "$WAV/t1_phone_8k.wav" \
  highpass 300 lowpass 3400 compand 0.02,0.2 6:-70,-60,-20 -5 -90 0.05 \
  rate -v 8000 gain -n "$PEAK_DB"

# 5 s of very quiet pink noise (about -80 dBFS RMS) before the good kal take
"${SOX[@]}" -n -r "$SR" -c 1 -b 16 "$TMP/hiss.wav" synth 5 pinknoise vol 0.0005
"${SOX[@]}" "$TMP/hiss.wav" "$WAV/t1_good_kal.wav" -b 16 "$WAV/t1_leading_silence.wav"

# 1.5 times as fast, pitch kept
"${SOX[@]}" "$WAV/t1_good_slt.wav" -b 16 "$WAV/t1_too_fast.wav" tempo -s 1.5

# 44.1 kHz stereo (both channels the same) for the resample and downmix path
"${SOX[@]}" "$WAV/t1_good_kal.wav" -r 44100 -c 2 -b 16 "$WAV/t1_good_stereo44k.wav" rate -v 44100

# benchmark inputs of exactly 10, 30 and 60 s of 16 kHz speech, the rate the
# coach works at (bench/ times them side by side): t1_trick_kal with the end of
# its trailing silence cut; t2_good_espeak padded with silence; t1_too_long
# brought up from 8 kHz and padded.
"${SOX[@]}" "$WAV/t1_trick_kal.wav" "$WAV/bench_10s.wav" trim 0 10
pad_to bench_30s t2_good_espeak 30
"${SOX[@]}" "$WAV/t1_too_long.wav" -r "$SR" "$TMP/t1_too_long_16k.wav" rate -v "$SR"
extra=$(awk -v h="$(soxi -D "$TMP/t1_too_long_16k.wav")" 'BEGIN { printf "%.4f", 60 - h }')
"${SOX[@]}" "$TMP/t1_too_long_16k.wav" "$WAV/bench_60s.wav" pad 0 "$extra"

for f in "$WAV"/*.wav; do
  to_flac "$(basename "$f" .wav)"
done

# lossy copies of t1_good_slt for the decoders
"${FFMPEG[@]}" -i "$WAV/t1_good_slt.wav" -c:a libmp3lame -b:a 32k "${BITEXACT[@]}" \
  "$OUT/t1_good_slt.mp3"
"${FFMPEG[@]}" -i "$WAV/t1_good_slt.wav" -c:a aac -b:a 32k "${BITEXACT[@]}" \
  "$OUT/t1_good_slt.m4a"
"${FFMPEG[@]}" -i "$WAV/t1_good_slt.wav" -c:a libvorbis -q:a 1 "${BITEXACT[@]}" \
  "$OUT/t1_good_slt.ogg"

# --- into place ---------------------------------------------------------------
mv -f "$OUT"/* "$HERE/"

echo "done:"
total=0
for f in "$HERE"/*.flac "$HERE"/*.mp3 "$HERE"/*.m4a "$HERE"/*.ogg; do
  [ -f "$f" ] || continue
  bytes=$(stat -c %s "$f")
  total=$((total + bytes))
  printf '  %-28s %6.2f s %5d KB\n' "$(basename "$f")" \
    "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")" $(((bytes + 512) / 1024))
done
printf '  %-28s %15d KB\n' "total" $(((total + 512) / 1024))
