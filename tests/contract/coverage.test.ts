// Every recording has exactly one scenario: a new recording without one fails here.
import { THEMES } from './cases';
import { loadRecording, recordingNames } from './recordings';

describe('contract suite coverage', () => {
  const scenarioNames = THEMES.flatMap((t) => t.scenarios.map((s) => s.name));

  it('has one scenario per recording file, and none without a recording', () => {
    expect([...scenarioNames].sort()).toEqual(recordingNames());
  });

  it('has no recording replayed twice', () => {
    const seen = new Set<string>();
    const twice = scenarioNames.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
    expect(twice).toEqual([]);
  });

  it.each(recordingNames())('%s is a well-formed recording', (name) => {
    expect(loadRecording(name).request.path).toMatch(/^\//);
  });
});
