#!/bin/sh
# tools/make-picture.sh - draws docs/seed-page1.png: the first page of the
# attachment formconv writes for fixtures/seed.txt, as LibreOffice prints it
# (XLSX -> PDF -> PNG), so the README shows users what they get.
#
#   sh tools/make-picture.sh [OUT.png]      (default docs/seed-page1.png)
#
# Needs: the built ./formconv (make), LibreOffice (soffice), poppler-utils
# (pdftoppm) and CJK fonts: fonts-arphic-uming (a Song/Ming face, drawn for
# 宋体) and fonts-wqy-zenhei (a Hei face, drawn for 黑体). A private
# fontconfig file maps the template's font names to them, since Linux has no
# 宋体 or 黑体 of its own.
set -eu
cd "$(dirname "$0")/.."
out=${1:-docs/seed-page1.png}
for tool in soffice pdftoppm fc-match; do
    command -v $tool >/dev/null || { echo "make-picture: $tool is missing (sh tools/setup.sh --tests)" >&2; exit 1; }
done
[ -x ./formconv ] || make formconv >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cat > "$work/fonts.conf" <<'CONF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>宋体</family><prefer><family>AR PL UMing CN</family></prefer></alias>
  <alias binding="same"><family>SimSun</family><prefer><family>AR PL UMing CN</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>WenQuanYi Zen Hei</family></prefer></alias>
  <alias binding="same"><family>SimHei</family><prefer><family>WenQuanYi Zen Hei</family></prefer></alias>
</fontconfig>
CONF
export FONTCONFIG_FILE="$work/fonts.conf"
for face in "AR PL UMing CN" "WenQuanYi Zen Hei"; do
    fc-match "$face" | grep -q "$face" || {
        echo "make-picture: font '$face' is missing (fonts-arphic-uming, fonts-wqy-zenhei)" >&2; exit 1; }
done

./formconv convert fixtures/seed.txt -o "$work/seed.xlsx"
soffice --headless --norestore "-env:UserInstallation=file://$work/profile" \
    --convert-to pdf --outdir "$work" "$work/seed.xlsx" >/dev/null 2>&1
pdftoppm -f 1 -l 1 -r 96 -png -singlefile "$work/seed.pdf" "$work/page"
mkdir -p "$(dirname "$out")"
cp "$work/page.png" "$out"
echo "make-picture: wrote $out"
