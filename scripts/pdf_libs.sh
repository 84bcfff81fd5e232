#!/usr/bin/env bash
# The system libraries WeasyPrint (invoice and credit note PDFs, invoices/documents.py) needs:
# Pango with its FreeType backend, HarfBuzz's subsetter, and a font. Sourced by scripts/test.sh,
# scripts/run.sh and .ci/run; installs them with apt when missing and we are root, else says how.
PDF_LIB_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"

pdf_libs_present() {
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' \
    && ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' \
    && ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0'
}

ensure_pdf_libs() {
  pdf_libs_present && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing the PDF libraries of WeasyPrint ($PDF_LIB_PACKAGES)..."
    # shellcheck disable=SC2086
    (apt-get install -y -qq $PDF_LIB_PACKAGES >/dev/null 2>&1 \
     || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $PDF_LIB_PACKAGES >/dev/null)) \
     || echo "could not install $PDF_LIB_PACKAGES"
  fi
  pdf_libs_present || echo "NOTE: Pango is missing: invoice PDFs cannot be made (apt-get install -y $PDF_LIB_PACKAGES)."
}
