/**
 * GLSL ES 3.0 programs of the WebGL2 renderer. Every pass draws one full-screen triangle.
 * Texture convention: t = 0 is the top row of a picture in every texture (camera, background,
 * mask, intermediate framebuffers); only the final draw to the canvas flips (`u_flipY`).
 */
import { CB_ROW, CR_ROW, LUMA } from '@/lib/virtualBackground/color'

const f = (x: number) => x.toFixed(6)

export const VERTEX = `#version 300 es
uniform bool u_flipY;
out vec2 v_uv;
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  v_uv = u_flipY ? vec2(p.x, 1.0 - p.y) : p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`

const HEADER = `#version 300 es
precision highp float;
in vec2 v_uv;
out vec4 o;
`

/** OBS chroma key v2, CbCr distance to the key (the same numbers as lib/virtualBackground/color.ts). */
const CHROMA = `
const vec4 CB = vec4(${CB_ROW.map(f).join(', ')});
const vec4 CR = vec4(${CR_ROW.map(f).join(', ')});
const vec3 LUMA = vec3(${LUMA.map(f).join(', ')});
uniform vec2 u_keyCrCb;
uniform vec3 u_key; // similarity, smoothness, spill
float chromaDist(vec3 c) {
  return distance(u_keyCrCb, vec2(dot(c, CR.xyz) + CR.w, dot(c, CB.xyz) + CB.w));
}
float keyAlpha(float d) { return pow(clamp((d - u_key.x) / max(u_key.y, 1e-4), 0.0, 1.0), 1.5); }
`

/**
 * The camera frame, whatever its memory layout: RGBA/RGBX (format 0), BGRA/BGRX (3), or planar YUV
 * uploaded plane by plane, I420 (1) or NV12 (2), converted here. Uploading the planes as they come
 * (1.4 MB for 720p) is several times faster than letting the browser convert a VideoFrame to RGBA.
 */
const FRAME = `
uniform sampler2D u_frame;
uniform sampler2D u_frameU;
uniform sampler2D u_frameV;
uniform int u_frameFormat;
uniform mat3 u_yuvMatrix;
uniform vec3 u_yuvOffset;
vec3 frameRGB(vec2 uv) {
  if (u_frameFormat == 0) return texture(u_frame, uv).rgb;
  if (u_frameFormat == 3) return texture(u_frame, uv).bgr;
  float y = texture(u_frame, uv).r;
  vec2 c = u_frameFormat == 1 ? vec2(texture(u_frameU, uv).r, texture(u_frameV, uv).r) : texture(u_frameU, uv).rg;
  return clamp(u_yuvMatrix * (vec3(y, c) - u_yuvOffset), 0.0, 1.0);
}
`

/**
 * The colour look: a 3D LUT (lib/virtualBackground/looks.ts's buildLut, red along x, green y, blue z)
 * sampled trilinearly at the lattice's cell centres, mixed with the input by the strength (0: no look).
 */
const LOOK = `
uniform mediump sampler3D u_lut;
uniform float u_lookStrength;
uniform float u_lutSize;
vec3 look(vec3 c) {
  if (u_lookStrength <= 0.0) return c;
  vec3 g = texture(u_lut, c * ((u_lutSize - 1.0) / u_lutSize) + 0.5 / u_lutSize).rgb;
  return mix(c, g, u_lookStrength);
}
`

/**
 * Touch-up: the guided filter's coefficients (touchUp.ts, computed on the CPU per half-size cell, detail
 * protection included) sampled bilinearly: q = a * Y + b, mixed in by skin likelihood (BT.601 Cb/Cr inside
 * Chai and Ngan's box, sides softened inwards as in touchUp.ts) x person alpha x strength. Only the luma
 * changes, so colours stay put.
 */
const TOUCH_UP = `
uniform float u_touch;
uniform sampler2D u_touchAB;
const vec3 LUMA601 = vec3(0.299, 0.587, 0.114);
float skinBox(float x, float lo, float hi) { return clamp(min(x - lo, hi - x) / ${f(10 / 255)}, 0.0, 1.0); }
float skin(vec3 c) {
  float cr = dot(c, CR.xyz) + CR.w;
  float cb = dot(c, CB.xyz) + CB.w;
  return skinBox(cb, ${f(77 / 255)}, ${f(127 / 255)}) * skinBox(cr, ${f(133 / 255)}, ${f(173 / 255)});
}
vec3 touchUp(vec3 fg, float person) {
  if (u_touch <= 0.0) return fg;
  float w = skin(fg) * person;
  if (w <= 0.0) return fg;
  vec2 ab = texture(u_touchAB, v_uv).rg;
  float y = dot(fg, LUMA601);
  return clamp(fg + (ab.x * y + ab.y - y) * u_touch * w, 0.0, 1.0);
}
`

/** The low-light lift (lowLight.ts): the luma through y^gamma, the change added to R, G and B alike (1: none). */
const LIFT = `
uniform float u_lift;
vec3 lift(vec3 c) {
  if (u_lift >= 1.0) return c;
  float y = dot(c, LUMA601);
  return clamp(c + (pow(max(y, 0.0), u_lift) - y), 0.0, 1.0);
}
`

/** A region of the camera frame as RGBA (for picking the key colour). */
export const FRAME_COPY = `${HEADER}${FRAME}
uniform vec4 u_rect;
void main() { o = vec4(frameRGB(u_rect.xy + v_uv * u_rect.zw), 1.0); }`

/**
 * The composite, at the frame's full size: foreground alpha from the chroma key (engine 1) or the
 * refined mask (engine 2), over a colour (bg 0), a picture or video (bg 1) or the mask-weighted blur (bg 2);
 * the colour look is applied to the result in the same pass.
 */
export const COMPOSITE = `${HEADER}${CHROMA}${FRAME}${LOOK}${TOUCH_UP}${LIFT}
uniform sampler2D u_mask;
uniform sampler2D u_bg;
uniform sampler2D u_blur;
uniform int u_engine;
uniform int u_bgMode;
uniform vec3 u_color;
uniform vec4 u_bgRect;
uniform vec2 u_texel;
uniform vec2 u_edge;
void main() {
  vec3 fg = frameRGB(v_uv);
  if (u_engine == 0) {
    // No background; touch-up may still use the mask to stay on the person.
    if (u_touch > 0.0) fg = touchUp(fg, smoothstep(u_edge.x, u_edge.y, texture(u_mask, v_uv).r));
    o = vec4(look(lift(fg)), 1.0);
    return;
  }
  float a;
  if (u_engine == 1) {
    // OBS's box-filtered distance: the centre and four neighbours (counted twice), over 9.
    vec2 p0 = vec2(u_texel.x, u_texel.y * 0.5);
    vec2 p1 = vec2(u_texel.x * 0.5, -u_texel.y);
    float d = chromaDist(fg) + 2.0 * (
      chromaDist(frameRGB(v_uv - p0)) + chromaDist(frameRGB(v_uv + p0)) +
      chromaDist(frameRGB(v_uv - p1)) + chromaDist(frameRGB(v_uv + p1)));
    d /= 9.0;
    a = keyAlpha(d);
    float spill = pow(clamp((d - u_key.x) / max(u_key.z, 1e-4), 0.0, 1.0), 1.5);
    fg = mix(vec3(dot(fg, LUMA)), fg, spill);
  } else {
    a = smoothstep(u_edge.x, u_edge.y, texture(u_mask, v_uv).r);
  }
  fg = lift(touchUp(fg, a));
  vec3 bg;
  if (u_bgMode == 0) {
    bg = u_color;
  } else if (u_bgMode == 1) {
    bg = texture(u_bg, u_bgRect.zw + v_uv * u_bgRect.xy).rgb;
  } else {
    vec4 b = texture(u_blur, v_uv);
    bg = b.a > 0.002 ? lift(b.rgb / b.a) : fg;
  }
  o = vec4(look(mix(bg, fg, a)), 1.0);
}`

/**
 * First pass of the background blur, at reduced size: the frame premultiplied by the background weight
 * (1 - foreground alpha), so the blur below spreads only background pixels and the person does not
 * bleed into the blurred background. Four bilinear taps cover the reduced pixel's footprint.
 */
export const BLUR_DOWN = `${HEADER}${CHROMA}${FRAME}
uniform sampler2D u_mask;
uniform int u_engine;
uniform vec2 u_edge;
uniform vec2 u_srcTexel;
void main() {
  vec2 q = u_srcTexel * 0.75;
  vec3 c = 0.25 * (frameRGB(v_uv + vec2(-q.x, -q.y)) + frameRGB(v_uv + vec2(q.x, -q.y)) +
                   frameRGB(v_uv + vec2(-q.x, q.y)) + frameRGB(v_uv + vec2(q.x, q.y)));
  float a = 0.0;
  if (u_engine == 1) a = keyAlpha(chromaDist(c));
  else if (u_engine == 2) a = smoothstep(u_edge.x, u_edge.y, texture(u_mask, v_uv).r);
  float w = 1.0 - a;
  o = vec4(c * w, w);
}`

export const MAX_BLUR_TAPS = 16

/** Separable Gaussian with linear-sampling taps (offsets/weights from mask.ts's gaussianLinearTaps). */
export const BLUR_1D = `${HEADER}
uniform sampler2D u_src;
uniform vec2 u_dir;
uniform int u_taps;
uniform float u_offsets[${MAX_BLUR_TAPS}];
uniform float u_weights[${MAX_BLUR_TAPS}];
void main() {
  vec4 s = texture(u_src, v_uv) * u_weights[0];
  for (int i = 1; i < ${MAX_BLUR_TAPS}; i++) {
    if (i >= u_taps) break;
    vec2 d = u_dir * u_offsets[i];
    s += (texture(u_src, v_uv + d) + texture(u_src, v_uv - d)) * u_weights[i];
  }
  o = s;
}`

/**
 * Temporal smoothing of the mask, at the model's size: the new mask is blended into the previous one
 * with a weight that grows with the change (lib/virtualBackground/mask.ts's temporalWeight), so a still
 * person does not flicker and a moving one leaves no ghost.
 */
export const MASK_TEMPORAL = `${HEADER}
uniform sampler2D u_prev;
uniform sampler2D u_next;
uniform float u_base;
void main() {
  float p = texture(u_prev, v_uv).r;
  float n = texture(u_next, v_uv).r;
  float w = min(1.0, u_base + (1.0 - u_base) * smoothstep(0.1, 0.6, abs(n - p)));
  o = vec4(mix(p, n, w), 0.0, 0.0, 1.0);
}`

/**
 * Edge-aware refinement: a joint bilateral filter of the mask guided by the frame it was computed from,
 * so the mask's edge snaps to the picture's edges (hair, shoulders) instead of the model's coarse blocks.
 */
export const MASK_REFINE = `${HEADER}
uniform sampler2D u_mask;
uniform sampler2D u_guide;
uniform vec2 u_texel;
uniform float u_colorSigma2;
void main() {
  vec3 gc = texture(u_guide, v_uv).rgb;
  float sum = 0.0;
  float wsum = 0.0;
  for (int y = -2; y <= 2; y++) {
    for (int x = -2; x <= 2; x++) {
      vec2 uv = v_uv + vec2(float(x), float(y)) * u_texel;
      vec3 g = texture(u_guide, uv).rgb - gc;
      float w = exp(-float(x * x + y * y) * 0.125 - dot(g, g) / u_colorSigma2);
      sum += texture(u_mask, uv).r * w;
      wsum += w;
    }
  }
  o = vec4(sum / wsum, 0.0, 0.0, 1.0);
}`
