/** A small valid profile and fleet, as YAML text, for config tests. */
export const PROFILE = `
transport: { type: mqtt, topic: "{prefix}/{site}/{asset}/vibration" }
codec: { type: json-block }
channels:
  vibration: { unit: g, sampleRateHz: 12000 }
windowing: { type: block, samples: 1024 }
model: { name: m1, params: { shaftRpm: 1797 } }
advice:
  classes:
    normal: { severity: ok }
    outer_race: { severity: warning, action: "Replace the bearing" }
`;

export const FLEET = `
agent: { id: edge-1 }
mqtt: { url: "\${MQTT_URL:-mqtt://127.0.0.1:1883}" }
topicPrefix: factory
profilesDir: profiles
modelsDir: models
sites:
  - id: s1
    assets:
      - { id: a1, profile: acme-vb4 }
      - { id: a2, profile: acme-vb4, overrides: { model: { params: { shaftRpm: 1500 } } } }
`;

export const MODEL_FILES = { "models/m1/manifest.json": "{}" };
