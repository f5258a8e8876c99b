// The swagger 2.0 document in gnostic's protobuf encoding (openapi.v2.Document of
// github.com/google/gnostic-models/openapiv2/OpenAPIv2.proto), the only form client-go
// reads /openapi/v2 in: it asks for
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf and decodes the body as
// protobuf. kubectl falls back to it when v3 cannot answer (explain
// --output plaintext-openapiv2, diff and apply patch fallbacks, client-side validation).
//
// A small hand-written encoder: proto3, so empty strings, false and zero are left out.
// Vendor extensions and enum/default values are Any messages carrying YAML text (JSON
// is YAML), which is what kube-openapi's proto reader parses.

/** What clients ask for (the deprecated name with '@', and the current one). */
export const OPENAPI_V2_PROTOBUF_ACCEPT = ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'com.github.proto-openapi.spec.v2.v1.0+protobuf'];
/**
 * Content type the protobuf form is answered with. Not the '@' name: that is no valid
 * media type and Go's mime.ParseMediaType refuses it (kube-openapi answers this one).
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Json = Record<string, unknown>;
type Field = Uint8Array | undefined;

// ---------------------------------------------------------------- wire format

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);

function bytesField(field: number, data: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([...tag(field, 2), ...varint(data.length)]), data]);
}

const str = (field: number, s: unknown): Field => (typeof s === 'string' && s !== '' ? bytesField(field, Buffer.from(s, 'utf8')) : undefined);
const bool = (field: number, b: unknown): Field => (b === true ? Uint8Array.from([...tag(field, 0), 1]) : undefined);
const msg = (field: number, body: Uint8Array | undefined): Field => (body === undefined ? undefined : bytesField(field, body));
const strs = (field: number, list: unknown): Field[] => (Array.isArray(list) ? list.map((s) => bytesField(field, Buffer.from(String(s), 'utf8'))) : []);

function message(...fields: (Field | Field[])[]): Uint8Array {
  return Buffer.concat(fields.flat().filter((f): f is Uint8Array => f !== undefined));
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------- messages

/** Any { yaml = 2 }. */
const any = (value: unknown): Uint8Array => message(str(2, JSON.stringify(value)));

/** repeated NamedAny { name = 1; Any value = 2 } from the x- keys of an object. */
function vendorExtensions(field: number, o: Json): Field[] {
  return Object.entries(o).filter(([k]) => k.startsWith('x-')).map(([k, v]) => msg(field, message(str(1, k), msg(2, any(v)))));
}

function schema(s: Json): Uint8Array {
  const props = isObject(s.properties) ? s.properties : undefined;
  const ap = s.additionalProperties;
  return message(
    str(1, s.$ref),
    str(2, s.format),
    str(3, s.title),
    str(4, s.description),
    s.default !== undefined ? msg(5, any(s.default)) : undefined,
    bool(16, s.uniqueItems),
    strs(19, s.required),
    Array.isArray(s.enum) ? s.enum.map((e) => msg(20, any(e))) : [],
    // AdditionalPropertiesItem { Schema schema = 1; bool boolean = 2 }
    isObject(ap) ? msg(21, message(msg(1, schema(ap)))) : typeof ap === 'boolean' ? msg(21, ap ? message(bool(2, true)) : Uint8Array.from([...tag(2, 0), 0])) : undefined,
    // TypeItem { repeated string value = 1 }
    s.type !== undefined ? msg(22, message(strs(1, Array.isArray(s.type) ? s.type : [s.type]))) : undefined,
    // ItemsItem { repeated Schema schema = 1 }
    isObject(s.items) ? msg(23, message(msg(1, schema(s.items)))) : undefined,
    Array.isArray(s.allOf) ? s.allOf.map((x) => msg(24, schema(x as Json))) : [],
    // Properties { repeated NamedSchema additional_properties = 1 }
    props ? msg(25, message(Object.entries(props).map(([k, v]) => msg(1, message(str(1, k), msg(2, schema(v as Json))))))) : undefined,
    vendorExtensions(31, s),
  );
}

function parameter(p: Json): Uint8Array {
  if (p.in === 'body') {
    // ParametersItem.parameter(1) -> Parameter.body_parameter(1) -> BodyParameter
    const body = message(str(1, p.description), str(2, p.name), str(3, p.in), bool(4, p.required), isObject(p.schema) ? msg(5, schema(p.schema)) : undefined, vendorExtensions(6, p));
    return message(msg(1, message(msg(1, body))));
  }
  let sub: Uint8Array;
  let which: number;
  if (p.in === 'path') {
    // PathParameterSubSchema: required 1, in 2, description 3, name 4, type 5, format 6, unique_items 19, vendor_extension 22
    sub = message(bool(1, p.required), str(2, p.in), str(3, p.description), str(4, p.name), str(5, p.type), str(6, p.format), bool(19, p.uniqueItems), vendorExtensions(22, p));
    which = 4;
  } else if (p.in === 'header') {
    // HeaderParameterSubSchema: same numbering as the path one
    sub = message(bool(1, p.required), str(2, p.in), str(3, p.description), str(4, p.name), str(5, p.type), str(6, p.format), bool(19, p.uniqueItems), vendorExtensions(22, p));
    which = 1;
  } else {
    // QueryParameterSubSchema: required 1, in 2, description 3, name 4, type 6, format 7, unique_items 20, vendor_extension 23
    sub = message(bool(1, p.required), str(2, p.in), str(3, p.description), str(4, p.name), str(6, p.type), str(7, p.format), bool(20, p.uniqueItems), vendorExtensions(23, p));
    which = 3;
  }
  // ParametersItem.parameter(1) -> Parameter.non_body_parameter(2) -> NonBodyParameter.<which>
  return message(msg(1, message(msg(2, message(msg(which, sub))))));
}

function parametersItem(p: Json): Uint8Array {
  // JsonReference { _ref = 1; description = 2 }
  if (typeof p.$ref === 'string') return message(msg(2, message(str(1, p.$ref), str(2, p.description))));
  return parameter(p);
}

function responses(r: Json): Uint8Array {
  // Responses { repeated NamedResponseValue response_code = 1 }
  return message(Object.entries(r).map(([code, v]) => {
    const resp = v as Json;
    // Response { description 1; SchemaItem schema 2 { Schema schema = 1 } }
    const body = message(str(1, resp.description), isObject(resp.schema) ? msg(2, message(msg(1, schema(resp.schema)))) : undefined, vendorExtensions(5, resp));
    // NamedResponseValue { name 1; ResponseValue value 2 { Response response = 1 } }
    return msg(1, message(str(1, code), msg(2, message(msg(1, body)))));
  }));
}

function operation(o: Json): Uint8Array {
  return message(
    strs(1, o.tags),
    str(2, o.summary),
    str(3, o.description),
    str(5, o.operationId),
    strs(6, o.produces),
    strs(7, o.consumes),
    Array.isArray(o.parameters) ? o.parameters.map((p) => msg(8, parametersItem(p as Json))) : [],
    isObject(o.responses) ? msg(9, responses(o.responses)) : undefined,
    strs(10, o.schemes),
    bool(11, o.deprecated),
    vendorExtensions(13, o),
  );
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function pathItem(item: Json): Uint8Array {
  return message(
    Object.entries(METHOD_FIELDS).map(([m, f]) => (isObject(item[m]) ? msg(f, operation(item[m] as Json)) : undefined)),
    Array.isArray(item.parameters) ? item.parameters.map((p) => msg(9, parametersItem(p as Json))) : [],
    vendorExtensions(10, item),
  );
}

function securityDefinition(d: Json): Uint8Array {
  // SecurityDefinitionsItem: basic_authentication_security 1 { type 1, description 2 }, api_key_security 2 { type 1, name 2, in 3, description 4 }
  if (d.type === 'basic') return message(msg(1, message(str(1, d.type), str(2, d.description))));
  return message(msg(2, message(str(1, d.type), str(2, d.name), str(3, d.in), str(4, d.description))));
}

/** Encodes a swagger 2.0 document (as openapiV2() builds it) as an openapi.v2.Document. */
export function encodeOpenAPIV2(doc: Json): Uint8Array {
  const info = isObject(doc.info) ? doc.info : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  const definitions = isObject(doc.definitions) ? doc.definitions : {};
  const securityDefinitions = isObject(doc.securityDefinitions) ? doc.securityDefinitions : {};
  const security = Array.isArray(doc.security) ? (doc.security as Json[]) : [];
  return message(
    str(1, doc.swagger),
    msg(2, message(str(1, info.title), str(2, info.version), str(3, info.description))),
    str(3, doc.host),
    str(4, doc.basePath),
    strs(5, doc.schemes),
    strs(6, doc.consumes),
    strs(7, doc.produces),
    // Paths { repeated NamedPathItem path = 2 }
    msg(8, message(Object.entries(paths).map(([p, item]) => msg(2, message(str(1, p), msg(2, pathItem(item as Json))))))),
    // Definitions { repeated NamedSchema additional_properties = 1 }
    msg(9, message(Object.entries(definitions).map(([name, s]) => msg(1, message(str(1, name), msg(2, schema(s as Json))))))),
    // SecurityRequirement { repeated NamedStringArray additional_properties = 1 { name 1; StringArray value 2 { repeated string value = 1 } } }
    security.map((req) => msg(12, message(Object.entries(req).map(([name, scopes]) => msg(1, message(str(1, name), msg(2, message(strs(1, scopes))))))))),
    // SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1 }
    Object.keys(securityDefinitions).length
      ? msg(13, message(Object.entries(securityDefinitions).map(([name, d]) => msg(1, message(str(1, name), msg(2, securityDefinition(d as Json)))))))
      : undefined,
    vendorExtensions(16, doc),
  );
}
