import onnxProto from "onnx-proto";

/**
 * Small builders over onnx-proto for the exporters: tensors, value infos, nodes, attributes
 * and the model envelope. Everything that ends up in the bytes is a function of the
 * arguments (no timestamps, a fixed producer), so the same model always encodes the same.
 */

const { onnx } = onnxProto;
export { onnx };

export type NodeProto = InstanceType<typeof onnx.NodeProto>;
export type TensorProto = InstanceType<typeof onnx.TensorProto>;
export type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;
export type AttributeProto = InstanceType<typeof onnx.AttributeProto>;

export const IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ML_OPSET = 3;
export const ML_DOMAIN = "ai.onnx.ml";
export const PRODUCER_NAME = "edge-agent";
export const PRODUCER_VERSION = "1";

const DataType = onnx.TensorProto.DataType;
export type ElemType = "float" | "int64";

function elemTypeCode(t: ElemType): number {
  return t === "float" ? DataType.FLOAT : DataType.INT64;
}

/** Little-endian float32 bytes, whatever the host's byte order. */
function float32Bytes(data: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
  return bytes;
}

/** A float32 initializer. */
export function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  const expected = dims.reduce((a, d) => a * d, 1);
  if (data.length !== expected) {
    throw new Error(
      `tensor ${name}: ${data.length} values for dims [${dims.join(", ")}] (expected ${expected})`,
    );
  }
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: float32Bytes(data),
  });
}

/** A bool initializer (one byte per value). */
export function boolTensor(name: string, dims: readonly number[], data: readonly boolean[]): TensorProto {
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: DataType.BOOL,
    rawData: Uint8Array.from(data, (b) => (b ? 1 : 0)),
  });
}

/** A graph input or output: `dims` entries are sizes, or names of symbolic dimensions. */
export function valueInfo(
  name: string,
  elemType: ElemType,
  dims: readonly (number | string)[],
): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: elemTypeCode(elemType),
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === "string"
              ? onnx.TensorShapeProto.Dimension.create({ dimParam: d })
              : onnx.TensorShapeProto.Dimension.create({ dimValue: d }),
          ),
        }),
      }),
    }),
  });
}

const AttrType = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

export const attr = {
  int: (name: string, i: number): AttributeProto =>
    onnx.AttributeProto.create({ name, type: AttrType.INT, i }),
  ints: (name: string, ints: ArrayLike<number>): AttributeProto =>
    onnx.AttributeProto.create({ name, type: AttrType.INTS, ints: Array.from(ints) }),
  floats: (name: string, floats: ArrayLike<number>): AttributeProto =>
    onnx.AttributeProto.create({ name, type: AttrType.FLOATS, floats: Array.from(floats) }),
  string: (name: string, s: string): AttributeProto =>
    onnx.AttributeProto.create({ name, type: AttrType.STRING, s: utf8.encode(s) }),
  strings: (name: string, ss: readonly string[]): AttributeProto =>
    onnx.AttributeProto.create({ name, type: AttrType.STRINGS, strings: ss.map((s) => utf8.encode(s)) }),
};

/** A node named after its first output. */
export function node(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: readonly AttributeProto[] = [],
  domain = "",
): NodeProto {
  return onnx.NodeProto.create({
    opType,
    domain,
    input: [...inputs],
    output: [...outputs],
    name: `${outputs[0]}_${opType}`,
    attribute: [...attributes],
  });
}

export interface GraphParts {
  readonly name: string;
  readonly nodes: readonly NodeProto[];
  readonly initializers: readonly TensorProto[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  readonly docString?: string;
  /** Adds the ai.onnx.ml opset import (tree ensembles). */
  readonly usesMl?: boolean;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Encodes a model: IR 8, opset 17 (+ ai.onnx.ml 3), fixed producer, metadata in key order. */
export function encodeModel(parts: GraphParts): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: parts.name,
    node: [...parts.nodes],
    initializer: [...parts.initializers],
    input: [...parts.inputs],
    output: [...parts.outputs],
  });
  const opsetImport = [onnx.OperatorSetIdProto.create({ domain: "", version: ONNX_OPSET })];
  if (parts.usesMl)
    opsetImport.push(onnx.OperatorSetIdProto.create({ domain: ML_DOMAIN, version: ML_OPSET }));
  const metadata = parts.metadata ?? {};
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport,
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    docString: parts.docString ?? "",
    graph,
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => onnx.StringStringEntryProto.create({ key, value: metadata[key] ?? "" })),
  });
  return onnx.ModelProto.encode(model).finish();
}
