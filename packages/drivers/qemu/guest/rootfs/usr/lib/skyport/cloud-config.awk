# Turns the #cloud-config subset skyport-tiny understands into shell commands (busybox awk):
#   hostname: NAME
#   write_files:                      a list of files to write
#     - path: /abs/path               required
#       content: |                    a literal block (|, |-), a folded block (>), or a one-line
#         text                        plain, 'single' or "double" quoted scalar ("\n" escapes work)
#       permissions: '0644'           optional, octal
#       encoding: b64                 optional: content is base64
#       append: true                  optional
#   runcmd:                           commands run in order with sh
#     - echo hello                    a shell command line
#     - [ touch, /tmp/x ]             or an argument list
# Anything else is reported on the console and ignored. Full YAML is out of scope: no anchors,
# no nested flow mappings, no multi-document streams.

function indent_of(s) { match(s, /^ */); return RLENGTH }
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
function shq(s) { gsub(/'/, "'\\''", s); return "'" s "'" }
function unquote(v) {
  v = trim(v)
  if (v ~ /^".*"$/) return substr(v, 2, length(v) - 2)
  if (v ~ /^'.*'$/) { v = substr(v, 2, length(v) - 2); gsub(/''/, "'", v); return v }
  return v
}

function reset_file() { f_path = ""; f_content = ""; f_perm = ""; f_enc = ""; f_append = 0; f_escapes = 0; f_open = 0 }

function flush_file(   redirect, writer) {
  if (!f_open) return
  if (f_path == "") { print "echo 'skyport: write_files entry without a path ignored'"; reset_file(); return }
  redirect = f_append ? ">>" : ">"
  print "mkdir -p \"$(dirname " shq(f_path) ")\""
  if (f_enc == "b64" || f_enc == "base64") writer = "printf '%s' " shq(f_content) " | base64 -d"
  else if (f_escapes) writer = "printf '%b' " shq(f_content)
  else writer = "printf '%s' " shq(f_content)
  print writer " " redirect " " shq(f_path) " && echo " shq("skyport: wrote " f_path)
  if (f_perm != "") print "chmod " shq(f_perm) " " shq(f_path)
  reset_file()
}

function end_block(   n) {
  if (!in_block) return
  in_block = 0
  if (block_style == ">") { gsub(/\n/, " ", block_text); sub(/ +$/, "", block_text); block_text = block_text "\n" }
  else {
    sub(/\n+$/, "", block_text)
    if (block_style == "|") block_text = block_text "\n"
  }
  f_content = block_text
}

function item_key(line,   key, val) {
  line = trim(line)
  key = line; sub(/:.*/, "", key)
  val = line; if (!sub(/^[^:]*:[ \t]*/, "", val)) val = ""
  if (key == "path") f_path = unquote(val)
  else if (key == "permissions") f_perm = unquote(val)
  else if (key == "encoding") f_enc = unquote(val)
  else if (key == "append") f_append = (unquote(val) == "true")
  else if (key == "owner") { }
  else if (key == "content") {
    val = trim(val)
    if (val ~ /^[|>][-+]?$/) { in_block = 1; block_style = substr(val, 1, 1); if (val ~ /-$/) block_style = block_style "-"; block_text = ""; block_indent = -1 }
    else { f_escapes = (val ~ /^"/); f_content = unquote(val) }
  }
  else print "echo " shq("skyport: write_files key " key " is not supported; ignored")
}

function run_item(val,   n, parts, i, cmd) {
  val = trim(val)
  if (val ~ /^\[.*\]$/) {
    n = split(substr(val, 2, length(val) - 2), parts, ",")
    cmd = ""
    for (i = 1; i <= n; i++) cmd = cmd (i > 1 ? " " : "") shq(unquote(parts[i]))
    print cmd
  } else print unquote(val)
}

BEGIN { section = ""; in_block = 0; reset_file() }

NR == 1 && /^#cloud-config/ { next }

{
  line = $0
  sub(/\r$/, "", line)
  if (in_block) {
    if (trim(line) == "") { block_text = block_text "\n"; next }
    if (indent_of(line) > block_parent) {
      if (block_indent < 0) block_indent = indent_of(line)
      block_text = block_text substr(line, block_indent + 1) "\n"
      next
    }
    end_block()
  }
  if (trim(line) == "" || line ~ /^[ \t]*#/) next

  if (indent_of(line) == 0) {
    flush_file()
    section = line; sub(/:.*/, "", section)
    rest = line; if (!sub(/^[^:]*:[ \t]*/, "", rest)) rest = ""
    if (section == "hostname") { name = unquote(rest); print "hostname " shq(name) " && echo " shq(name) " > /etc/hostname" }
    else if (section != "write_files" && section != "runcmd") print "echo " shq("skyport: cloud-config key " section " is not supported by skyport-tiny; ignored")
    next
  }

  if (section == "write_files") {
    body = line
    if (body ~ /^ *- /) {
      flush_file(); f_open = 1
      block_parent = index(body, "-") + 1
      sub(/^ *- /, "", body)
      if (trim(body) != "") { block_parent = indent_of(line) + 2; item_key(body) }
    } else {
      block_parent = indent_of(line)
      item_key(body)
    }
    next
  }

  if (section == "runcmd") {
    if (line ~ /^ *- /) { sub(/^ *- /, "", line); run_item(line) }
    next
  }
}

END { end_block(); flush_file() }
