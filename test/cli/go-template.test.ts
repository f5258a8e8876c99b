// Go's text/template as kubectl's -o go-template runs it (printers/go-template/): a
// table of templates over one object, with the output or the error Go 1.23 (kubectl
// 1.32's) gives, covering text and trim markers, comments, if/else if/with/else with,
// range over lists and maps (sorted keys) with break/continue and else, define/
// template/block, variables, field chains, parenthesised pipelines, literals, the
// builtin functions and kubectl's base64decode and exists, Go's fmt (%v of int64 and
// float64, printf verbs and flags), and Go's parse and execution error wording.
// The last test runs every case through the real kubectl (`label --local`, no server)
// to show the table is kubectl's behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlRun } from '../harness/kubectl.js';
import { GoTemplate, TemplateParseError } from '../../kubectl/printers/go-template/index.js';
import { formatFloat, sprintf } from '../../kubectl/printers/go-template/fmt.js';

/** The object the templates run over (as kubectl hands it over: whole numbers int64, others float64). */
const DATA = {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: 'b' } }, data: { n: '1' },
  num: 3, f: 0.5, big: 1000000, small: 1.5e-7, arr: [1, 'a', null, { k: 'v' }], nul: null, t: true,
};

/** [template, output (undefined when it does not parse), error]. */
const CASES: [string, string | undefined, string?][] = [
  ["{{.num}} {{.f}} {{.big}} {{.small}} {{.arr}} {{.nul}} {{.missing}} {{.metadata}} {{.t}}", "3 0.5 1000000 1.5e-07 [1 a <nil> map[k:v]] <no value> <no value> map[labels:map[a:b] name:x] true"],
  ["{{printf \"%d|%5s|%q|%x|%v\" 3 \"ab\" \"q\\\"\" \"hi\" .arr}} {{js \"<a&b='c'>\"}} {{len .arr}}", "3|   ab|\"q\\\"\"|6869|[1 a <nil> map[k:v]] \\u003Ca\\u0026b\\u003D\\'c\\'\\u003E 4"],
  ["{{.metadata.name.x}}", "", "template: output:1:11: executing \"output\" at <.metadata.name.x>: can't evaluate field x in type interface {}"],
  ["{{foo}}", undefined, "template: output:1: function \"foo\" not defined"],
  ["{{.a", undefined, "template: output:1: unclosed action"],
  ["{{index .arr 9}}", "", "template: output:1:2: executing \"output\" at <index .arr 9>: error calling index: index out of range: 9"],
  ["{{eq .num 3}} {{eq .f 0.5}} {{lt .num 4.0}}", "true true ", "template: output:1:30: executing \"output\" at <lt .num 4.0>: error calling lt: incompatible types for comparison"],
  ["{{.num | base64decode}}", "", "template: output:1:9: executing \"output\" at <base64decode>: wrong type for value; expected string; got int64"],
  ["{{\"@@\" | base64decode}}", "", "template: output:1:9: executing \"output\" at <base64decode>: error calling base64decode: base64 decode failed: illegal base64 data at input byte 0"],
  ["{{printf \"%d %s %v %5.2f %e %g\" .f .num .nul .f .big .small}} {{printf \"%s\"}} {{printf \"%d\" 1 2}} {{print 1 2 \"a\" \"b\" 3 .nul}}|{{println 1 \"a\"}}|{{slice \"abcdef\" 1 3}} {{urlquery \"a b&c/é~\"}} {{html \"<a href=\\\"x\\\">'\"}} {{printf \"%05d|%-5s|%+d|%x|%X|%o|%b|%c|%q|%U|%t|%8.3f|%-8v|%T %T %T %T\" 42 \"ab\" 5 255 255 8 5 65 65 65 true 3.14159 \"x\" .num .f .arr .metadata}}", "%!d(float64=0.5) %!s(int64=3) <nil>  0.50 %!e(int64=1000000) 1.5e-07 %!s(MISSING) 1%!(EXTRA int=2) 1 2ab3 <nil>|1 a\n|bc a+b%26c%2F%C3%A9~ &lt;a href=&#34;x&#34;&gt;&#39; 00042|ab   |+5|ff|FF|10|101|A|'A'|U+0041|true|   3.142|x       |int64 float64 []interface {} map[string]interface {}"],
  ["{{printf \"%v %+v %#v\" .metadata .metadata .metadata}} {{printf \"%s %d\" .arr .arr}} {{printf \"%x %q\" .metadata.name .arr}} {{printf \"%!\"}} {{printf \"%z\" 1}} {{printf \"%6.2v\" 3.14159}} {{printf \"%.1f %.0f %.3e %G %E\" 2.25 2.5 123456.789 1e-10 1.0}}", "map[labels:map[a:b] name:x] map[labels:map[a:b] name:x] map[string]interface {}{\"labels\":map[string]interface {}{\"a\":\"b\"}, \"name\":\"x\"} [%!s(int64=1) a <nil> map[k:v]] [1 %!d(string=a) <nil> map[%!d(string=k):%!d(string=v)]] 78 ['\\x01' \"a\" <nil> map[\"k\":\"v\"]] %!!(MISSING) %!z(int=1)    3.1 2.2 2 1.235e+05 1E-10 1.000000E+00"],
  ["{{1e6}} {{123456789.0}} {{0.000012}} {{100000.0}} {{-0.0001}} {{1.0}} {{0x1F}} {{'a'}} {{1_000}} {{0o17}} {{017}} {{0b101}} {{-5}} {{+5}}", "1e+06 1.23456789e+08 1.2e-05 100000 -0.0001 1 31 97 1000 15 15 5 -5 5"],
  ["{{range $k, $v := .metadata.labels}}{{$k}}={{$v}};{{end}}", "a=b;"],
  ["{{range $i, $e := .arr}}{{$i}}:{{$e}} {{end}}{{range .missing}}x{{else}}empty{{end}}", "0:1 1:a 2:<no value> 3:map[k:v] empty"],
  ["{{range 3}}{{.}}{{end}} {{range $x := .num}}{{$x}}{{end}}", "", "template: output:1:8: executing \"output\" at <3>: range can't iterate over 3"],
  ["{{range $i, $x := 3}}{{$x}}{{end}}", "", "template: output:1:18: executing \"output\" at <3>: range can't iterate over 3"],
  ["{{range \"ab\"}}{{.}}{{end}}", "", "template: output:1:8: executing \"output\" at <\"ab\">: range can't iterate over ab"],
  ["{{range .f}}{{.}}{{end}}", "", "template: output:1:8: executing \"output\" at <.f>: range can't iterate over 0.5"],
  ["{{with .metadata}}{{.name}}{{end}} {{with .missing}}x{{else with .t}}T{{end}} {{if .nul}}a{{else if .t}}b{{else}}c{{end}}", "x T b"],
  ["{{- /* comment */ -}}  a  {{- 1 -}}  b {{- \"x\" }} c {{ \"y\" -}}   d", "a1bx c yd"],
  ["{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" .metadata.name}}{{block \"B\" .num}}<{{.}}>{{end}}", "[x]<3>"],
  ["{{template \"nope\"}}", "", "template: output:1:11: executing \"output\" at <{{template \"nope\"}}>: template \"nope\" not defined"],
  ["{{$x := 1}}{{$x = 2}}{{$x}}{{$y := .metadata}}{{$y.name}} {{$.kind}}", "2x ConfigMap"],
  ["{{range .arr}}{{if eq . nil}}nil{{end}}{{end}}", "nil"],
  ["{{range .arr}}{{if not .}}{{break}}{{end}}{{.}},{{end}}|{{range $i, $e := .arr}}{{if eq $i 1}}{{continue}}{{end}}{{$i}}{{end}}", "1,a,|023"],
  ["{{break}}", undefined, "template: output:1: {{break}} outside {{range}}"],
  ["{{.nul.x}}", "", "template: output:1:6: executing \"output\" at <.nul.x>: nil pointer evaluating interface {}.x"],
  ["{{.missing.x.y}}", "<no value>"],
  ["{{index .data \"n\"}} {{index .data \"zz\"}} {{index .metadata \"labels\" \"a\"}} {{index .arr 3 \"k\"}} {{index \"abc\" 1}}", "1 <no value> b v 98"],
  ["{{index .data 1}}", "", "template: output:1:2: executing \"output\" at <index .data 1>: error calling index: value has type int; should be string"],
  ["{{index .nul 1}}", "", "template: output:1:2: executing \"output\" at <index .nul 1>: error calling index: index of untyped nil"],
  ["{{index .missing 1}}", "", "template: output:1:2: executing \"output\" at <index .missing 1>: error calling index: index of untyped nil"],
  ["{{len .nul}}", "", "template: output:1:2: executing \"output\" at <len .nul>: error calling len: len of nil pointer"],
  ["{{len .missing}}", "", "template: output:1:2: executing \"output\" at <len .missing>: error calling len: reflect: call of reflect.Value.Type on zero Value"],
  ["{{len .num}}", "", "template: output:1:2: executing \"output\" at <len .num>: error calling len: len of type int64"],
  ["{{len \"héllo\"}} {{len .metadata}}", "6 2"],
  ["{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{and .t .num}} {{or .missing .nul}} {{not .arr}}", "0 x 3 <no value> false"],
  ["{{eq .metadata.name \"x\" \"y\"}} {{ne 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}", "true true true true false"],
  ["{{eq .num .f}}", "", "template: output:1:2: executing \"output\" at <eq .num .f>: error calling eq: incompatible types for comparison"],
  ["{{eq .missing \"x\"}} {{eq .missing .nul}}", "false true"],
  ["{{lt .missing 1}}", "", "template: output:1:2: executing \"output\" at <lt .missing 1>: error calling lt: invalid type for comparison"],
  ["{{lt true false}}", "", "template: output:1:2: executing \"output\" at <lt true false>: error calling lt: invalid type for comparison"],
  ["{{eq .arr .arr}}", "", "template: output:1:2: executing \"output\" at <eq .arr .arr>: error calling eq: non-comparable type [%!s(int64=1) a <nil> map[k:v]]: []interface {}"],
  ["{{exists .metadata \"labels\" \"a\"}} {{exists .metadata \"nope\"}} {{exists .arr 2}} {{exists .arr 3 \"k\"}} {{exists . \"nul\"}} {{exists .missing}}", "true false false true false true"],
  ["{{.t | printf \"%v-%v\" \"a\"}} {{\"x\" | printf \"%s%s\" \"y\"}}", "a-true yx"],
  ["{{.num 1}}", "", "template: output:1:2: executing \"output\" at <.num>: num is not a method but has arguments"],
  ["{{1 2}}", "", "template: output:1:2: executing \"output\" at <1>: can't give argument to non-function 1"],
  ["{{. | 1}}", undefined, "template: output:1: non executable command in pipeline stage 2"],
  ["{{nil}}", "", "template: output:1:2: executing \"output\" at <nil>: nil is not a command"],
  ["{{(.metadata).name}} {{(index .arr 3).k}}", "x v"],
  ["{{$}}", "map[apiVersion:v1 arr:[1 a <nil> map[k:v]] big:1000000 data:map[n:1] f:0.5 kind:ConfigMap metadata:map[labels:map[a:b] name:x] nul:<nil> num:3 small:1.5e-07 t:true]"],
  ["{{$z}}", undefined, "template: output:1: undefined variable \"$z\""],
  ["{{if}}{{end}}", undefined, "template: output:1: missing value for if"],
  ["{{range}}{{end}}", undefined, "template: output:1: missing value for range"],
  ["{{end}}", undefined, "template: output:1: unexpected {{end}}"],
  ["{{if .t}}x", undefined, "template: output:1: unexpected EOF"],
  ["{{\"unterminated}}", undefined, "template: output:1: unterminated quoted string"],
  ["{{'ab'}}", undefined, "template: output:1: malformed character constant: 'ab'"],
  ["{{1x}}", undefined, "template: output:1: bad number syntax: \"1x\""],
  ["{{.a.}}", undefined, "template: output:1: unexpected <.> in operand"],
  ["{{9223372036854775808}}", "", "template: output:1:2: executing \"output\" at <9223372036854775808>: 9223372036854775808 overflows int"],
  ["{{printf}}", "", "template: output:1:2: executing \"output\" at <printf>: wrong number of args for printf: want at least 1 got 0"],
  ["{{printf 1}}", "", "template: output:1:9: executing \"output\" at <1>: expected string; found 1"],
  ["{{html .missing 1}} {{html}} {{urlquery}} {{js 1 2 \"a\"}}", "&lt;no value&gt;1   1 2a"],
  ["{{\"a\\tb\\u00e9\\x41\"}} {{`raw\\n`}}", "a\tbéA raw\\n"],
  ["{{slice .arr 1}} {{slice .arr 1 2}} {{slice \"abc\" 3}}", "[a <nil> map[k:v]] [a] "],
  ["{{slice .arr 3 1}}", "", "template: output:1:2: executing \"output\" at <slice .arr 3 1>: error calling slice: invalid slice index: 3 > 1"],
  ["{{slice .arr 9}}", "", "template: output:1:2: executing \"output\" at <slice .arr 9>: error calling slice: index out of range: 9"],
  ["{{with $x := .num}}{{$x}}{{end}} {{range $x := .arr}}{{end}}{{$x}}", undefined, "template: output:1: undefined variable \"$x\""],
  ["{{/* c */}}x{{- /* c2 */}}", "x"],
  ["{{.metadata.labels.a | printf \"%q\" | len}}", "3"],
  ["{{printf \"%v\" .small}} {{printf \"%.2f\" .small}} {{printf \"%e\" .small}} {{printf \"%g\" 1e21}} {{printf \"%g\" 1e20}} {{1e21}} {{printf \"%v\" 0.1}} {{printf \"%.3g\" 1234.5678}} {{printf \"%08.3f\" -3.14159}} {{printf \"%+.2e\" 12345.678}}", "1.5e-07 0.00 1.500000e-07 1e+21 1e+20 1e+21 0.1 1.23e+03 -003.142 +1.23e+04"],
  ["{{printf \"%5t|%-7d|%07.2f|%x|%X|% d|%+q|%#q|%#x|%#o|%6.2s|%.1s\" true 42 3.14159 -255 \"Hi\" 5 \"é\" \"b\" 255 8 \"hello\" \"héllo\"}}", " true|42     |0003.14|-ff|4869| 5|\"\\u00e9\"|`b`|0xff|010|    he|h"],
  ["{{printf \"%d %d\" .num}} {{printf \"%[1]d\"  5}}", "3 %!d(MISSING) 5"],
  ["{{printf \"%*d|%-*d|%.*f\" 5 1 4 2 2 3.14159}}\n", "    1|2   |3.14\n"],
  ["line1\n{{.metadata.name}}\n  {{ .metadata.name.x }}", "line1\nx\n  ", "template: output:3:14: executing \"output\" at <.metadata.name.x>: can't evaluate field x in type interface {}"],
  ["a\n{{if .t}}\n  {{- range $k, $v := .metadata.labels }}\n    {{ $k }}: {{ $v -}}\n  {{ end }}\n{{end}}", "a\n\n    a: b\n"],
  ["{{if .t\n}}x{{end}}", "x"],
  ["{{if .t}}\n{{else}}\n{{end}}{{end}}", undefined, "template: output:3: unexpected {{end}}"],
  ["x\n{{printf \"%d\"\n  .num\n  \"extra\" }}", "x\n3%!(EXTRA string=extra)"],
  ["{{define \"a\"}}{{.x.y}}{{end}}{{template \"a\" .metadata}}", "<no value>"],
  ["héllo {{.metadata.name.x}}", "héllo ", "template: output:1:18: executing \"output\" at <.metadata.name.x>: can't evaluate field x in type interface {}"],
  ["{{.metadata.labels.a | printf \"%s\" | printf \"%q\"}}", "\"b\""],
  ["{{$x := .arr}}{{range $x}}{{.}}{{end}}{{len $x}}", "1a<no value>map[k:v]4"],
  ["{{- range $i, $e := .arr }}\n{{ $i }} {{ $e }}\n{{- end }}", "\n0 1\n1 a\n2 <no value>\n3 map[k:v]"],
  ["{{.}}", "map[apiVersion:v1 arr:[1 a <nil> map[k:v]] big:1000000 data:map[n:1] f:0.5 kind:ConfigMap metadata:map[labels:map[a:b] name:x] nul:<nil> num:3 small:1.5e-07 t:true]"],
  ["{{with .missing}}{{.}}{{end}}ok", "ok"],
  ["{{ .metadata.labels.a }}{{\"\\n\"}}", "b\n"],
  ["{{printf \"%s\" .missing}}", "%!s(<nil>)"],
  ["{{printf \"%v|%d\" .missing .nul}}", "<nil>|%!d(<nil>)"],
  ["{{template \"x\" 1}}{{define \"x\"}}{{.}}{{end}}", "1"],
  ["{{range .arr}}{{$}}{{end}}", "map[apiVersion:v1 arr:[1 a <nil> map[k:v]] big:1000000 data:map[n:1] f:0.5 kind:ConfigMap metadata:map[labels:map[a:b] name:x] nul:<nil> num:3 small:1.5e-07 t:true]map[apiVersion:v1 arr:[1 a <nil> map[k:v]] big:1000000 data:map[n:1] f:0.5 kind:ConfigMap metadata:map[labels:map[a:b] name:x] nul:<nil> num:3 small:1.5e-07 t:true]map[apiVersion:v1 arr:[1 a <nil> map[k:v]] big:1000000 data:map[n:1] f:0.5 kind:ConfigMap metadata:map[labels:map[a:b] name:x] nul:<nil> num:3 small:1.5e-07 t:true]map[apiVersion:v1 arr:[1 a <nil> map[k:v]] big:1000000 data:map[n:1] f:0.5 kind:ConfigMap metadata:map[labels:map[a:b] name:x] nul:<nil> num:3 small:1.5e-07 t:true]"],
  ["{{$a := 1}}{{if .t}}{{$a = 2}}{{$b := 3}}{{end}}{{$a}}", "2"],
  ["{{if .t}}{{$b := 3}}{{end}}{{$b}}", undefined, "template: output:1: undefined variable \"$b\""],
  ["{{with $x := 5}}{{$x}}{{end}}", "5"],
  ["{{(1)}} {{(print \"a\" \"b\")}} {{(\"x\")}}", "1 ab x"],
  ["{{(1) 2}}", "", "template: output:1:2: executing \"output\" at <(1) 2>: can't give argument to non-function 1"],
  ["{{.metadata.name | .metadata.name}}", "", "template: output:1:28: executing \"output\" at <.metadata.name>: name is not a method but has arguments"],
  ["{{\"a\" | \"b\"}}", undefined, "template: output:1: non executable command in pipeline stage 2"],
  ["{{.metadata.labels | len}}", "1"],
  ["{{index . \"arr\" 0}} {{index .arr 0 | printf \"%T\"}}", "1 int64"],
  ["{{printf \"%T %T %T %T %T\" 1 1.5 \"s\" true nil}}", "int float64 string bool <nil>"],
  ["{{printf \"%T\" (index .arr 2)}}", "<nil>"],
  ["{{html \"a\" 1 2 \"b\"}} {{print \"a\" 1 2 \"b\"}} {{print nil nil}}", "a1 2b a1 2b <nil> <nil>"],
  ["{{base64decode \"aGVsbG8=\"}} {{base64decode \"aGVsbG8\"}}", "hello ", "template: output:1:30: executing \"output\" at <base64decode \"aGVsbG8\">: error calling base64decode: base64 decode failed: illegal base64 data at input byte 4"],
  ["{{base64decode \"aGVs\\nbG8=\"}}", "hello"],
  ["{{base64decode \"aG==\"}} {{base64decode \"aA=\"}}", "h ", "template: output:1:26: executing \"output\" at <base64decode \"aA=\">: error calling base64decode: base64 decode failed: illegal base64 data at input byte 3"],
  ["{{base64decode \"a\"}}", "", "template: output:1:2: executing \"output\" at <base64decode \"a\">: error calling base64decode: base64 decode failed: illegal base64 data at input byte 0"],
  ["{{base64decode \"aGVsbG8=x\"}}", "", "template: output:1:2: executing \"output\" at <base64decode \"aGVsbG8=x\">: error calling base64decode: base64 decode failed: illegal base64 data at input byte 8"],
  ["{{base64decode .nul}}", "", "template: output:1:15: executing \"output\" at <.nul>: wrong type for value; expected string; got interface {}"],
  ["{{base64decode .missing}}", "", "template: output:1:15: executing \"output\" at <.missing>: invalid value; expected string"],
  ["{{base64decode 1}}", "", "template: output:1:15: executing \"output\" at <1>: expected string; found 1"],
  ["{{base64decode}}", "", "template: output:1:2: executing \"output\" at <base64decode>: wrong number of args for base64decode: want 1 got 0"],
  ["{{base64decode \"a\" \"b\"}}", "", "template: output:1:2: executing \"output\" at <base64decode>: wrong number of args for base64decode: want 1 got 2"],
  ["{{len}}", "", "template: output:1:2: executing \"output\" at <len>: wrong number of args for len: want 1 got 0"],
  ["{{eq 1}}", "", "template: output:1:2: executing \"output\" at <eq 1>: error calling eq: missing argument for comparison"],
  ["{{index}}", "", "template: output:1:2: executing \"output\" at <index>: wrong number of args for index: want at least 1 got 0"],
  ["{{not 1 2}}", "", "template: output:1:2: executing \"output\" at <not>: wrong number of args for not: want 1 got 2"],
  ["{{and}}", "", "template: output:1:2: executing \"output\" at <and>: wrong number of args for and: want at least 1 got 0"],
  ["{{.metadata.name 1}}", "", "template: output:1:11: executing \"output\" at <.metadata.name>: name is not a method but has arguments"],
  ["{{$.metadata.name | .metadata.labels.a}}", "", "template: output:1:29: executing \"output\" at <.metadata.labels.a>: a is not a method but has arguments"],
  ["{{ 'x' }} {{ '\\n' }} {{ '\\'' }} {{printf \"%c%c\" 'é' 0x1F600}}", "120 10 39 é😀"],
  ["{{.arr.x}}", "", "template: output:1:6: executing \"output\" at <.arr.x>: can't evaluate field x in type interface {}"],
  ["{{$.arr.x}}", "", "template: output:1:3: executing \"output\" at <$.arr.x>: can't evaluate field x in type interface {}"],
  ["{{ (index .arr 3).k.z }}", "", "template: output:1:15: executing \"output\" at <3>: can't evaluate field z in type interface {}"],
  ["{{ 0.1 }} {{ .5 }} {{ 1e-7 }} {{ 1e21 }} {{ 12345678.0 }} {{ -0.0 }} {{ 0x10p2 }}", "0.1 0.5 1e-07 1e+21 1.2345678e+07 -0 64"],
  ["{{ printf \"%.0f %.0f %.0f %.1f %.2f\" 0.5 1.5 2.5 0.05 1.005 }}", "0 2 2 0.1 1.00"],
  ["{{ printf \"%g %g %G %e\" 100000.0 1000000.0 1e-5 0.0 }}", "100000 1e+06 1E-05 0.000000e+00"],
  ["{{ printf \"%x %X %o %b\" .num .num .num .num }}", "3 3 3 11"],
  ["{{ printf \"%s\" .t }}", "%!s(bool=true)"],
  ["{{ printf \"%05s|%-05d|%+05d|% 05d|%#v|%#v|%#v\" \"ab\" 3 3 3 .nul 1.0 \"q\" }}", "000ab|3    |+0003| 0003|<nil>|1|\"q\""],
  ["{{ printf \"%v\" .arr }} {{ printf \"%q\" .metadata }} {{ printf \"%5v\" .arr }}", "[1 a <nil> map[k:v]] map[\"labels\":map[\"a\":\"b\"] \"name\":\"x\"] [    1     a <nil> map[    k:    v]]"],
  ["{{ range $k, $v := . }}{{ $k }}:{{ printf \"%T\" $v }} {{ end }}\n", "apiVersion:string arr:[]interface {} big:int64 data:map[string]interface {} f:float64 kind:string metadata:map[string]interface {} nul:<nil> num:int64 small:float64 t:bool \n"],
  ["a\nb {{.metadata.name.x}}", "a\nb ", "template: output:2:13: executing \"output\" at <.metadata.name.x>: can't evaluate field x in type interface {}"],
  ["é {{.metadata.name.x}}", "é ", "template: output:1:14: executing \"output\" at <.metadata.name.x>: can't evaluate field x in type interface {}"],
  ["{{define \"d\"}}\n  {{.x.y}}{{end}}{{template \"d\" .metadata}}", "\n  <no value>"],
  ["{{if .t}}\n{{else}}\n{{end}}{{end}}", undefined, "template: output:3: unexpected {{end}}"],
  ["{{printf \"%d\"\n .num\n \"x\" }}\n", "3%!(EXTRA string=x)\n"],
  ["{{ printf \"%x %X %b %x %x %x %b\" 3.5 0.1 3.5 0.0 -1.0 1e300 1.0 }}", "0x1.cp+01 0X1.999999999999AP-04 7881299347898368p-51 0x0p+00 -0x1p+00 0x1.7e43c8800759cp+996 4503599627370496p-52"],
  ["{{ printf \"%x\" 5e-324 }} {{ printf \"%8.3x|\" 1.5 }}", "0x1p-1074 0x1.800p+00|"],
  ["{{ printf \"%.1x %.0x %.2X %.1x\" 1.96875 1.5 3.14159 1.0 }}\n", "0x1.0p+01 0x1p+01 0X1.92P+01 0x1.0p+00\n"],
];

/** Runs a template over DATA: its output and Go's error message, if any. */
function run(template: string, data: unknown = DATA): { output?: string; error?: string } {
  let t: GoTemplate;
  try {
    t = GoTemplate.parse('output', template);
  } catch (err) {
    assert.ok(err instanceof TemplateParseError, String(err));
    return { error: err.message };
  }
  const r = t.execute(structuredClone(data));
  return 'error' in r ? { output: r.output, error: r.error.message } : { output: r.output };
}

test('templates over an object: output and Go\'s errors', () => {
  for (const [template, output, error] of CASES) {
    assert.deepEqual(run(template), error === undefined ? { output } : output === undefined ? { error } : { output, error }, template);
  }
});

test('missing keys: <no value> by default, Go\'s errors with missingkey=error', () => {
  const t = GoTemplate.parse('output', '{{.a}}|{{.metadata.nope}}');
  assert.deepEqual(t.execute({ metadata: {} }), { output: '<no value>|<no value>' });
  const r = t.execute({ metadata: {} }, 'error');
  assert.ok('error' in r);
  assert.equal(r.error.message, 'template: output:1:2: executing "output" at <.a>: map has no entry for key "a"');
  const chained = GoTemplate.parse('output', 'x{{.a.b}}').execute({}, 'error');
  assert.ok('error' in chained);
  assert.deepEqual([chained.output, chained.error.message], ['x', 'template: output:1:5: executing "output" at <.a.b>: map has no entry for key "a"']);
});

test('Go\'s float formatting: shortest %v with exponents from 1e+06, round-half-even at a precision', () => {
  const cases: [number, 'e' | 'f' | 'g', number, string][] = [
    [1e6, 'g', -1, '1e+06'], [123456, 'g', -1, '123456'], [1.5e-7, 'g', -1, '1.5e-07'], [0.0001, 'g', -1, '0.0001'],
    [0.00001, 'g', -1, '1e-05'], [1e21, 'g', -1, '1e+21'], [0, 'g', -1, '0'], [-2.5, 'g', -1, '-2.5'],
    [2.5, 'f', 0, '2'], [3.5, 'f', 0, '4'], [2.25, 'f', 1, '2.2'], [1.005, 'f', 2, '1.00'], [0.5, 'f', 0, '0'],
    [123456.789, 'e', 3, '1.235e+05'], [0, 'e', 6, '0.000000e+00'], [1234.5678, 'g', 3, '1.23e+03'], [99.99, 'f', 1, '100.0'],
  ];
  for (const [v, f, prec, want] of cases) assert.equal(formatFloat(v, f, prec), want, `${v} ${f} ${prec}`);
  assert.equal(sprintf('%v|%6.2f|%-6.1e|%+g|%d|%g', [2.5, 3.14159, 1234.5, 3.5, 3, 3]), '2.5|  3.14|1.2e+03|+3.5|3|%!g(int64=3)');
});

test('the table is what the real kubectl prints (kubectl label --local -o go-template)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gotpl-unit-'));
  const file = join(dir, 'object.json');
  writeFileSync(file, JSON.stringify(DATA));
  const kubectl = (template: string): ReturnType<typeof kubectlRun> =>
    kubectlRun({ kubeconfig: '/dev/null', dir }, ['label', '--local', '-f', file, 'unused-', '-o', `go-template=${template}`]);
  const pending = [...CASES];
  const worker = async (): Promise<void> => {
    for (let c = pending.shift(); c; c = pending.shift()) {
      const [template, output, error] = c;
      const r = await kubectl(template);
      if (error === undefined) {
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, output, ''], template);
      } else if (output === undefined) {
        assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `error: error parsing template ${template}, ${error}\n`], template);
      } else {
        assert.equal(r.code, 1, template);
        assert.equal(r.stdout.slice(0, r.stdout.indexOf('Error executing template: ')), output, template);
        assert.ok(r.stderr.endsWith(`: ${error}\n`), `${template}: ${r.stderr}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
});
