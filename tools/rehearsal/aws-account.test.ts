/**
 * Unit tests of the emulated account's pure template rewrite for moto's re-added-resource-reused gap: a resource
 * that an update adds back under a logical id the stack held before gets a fresh id, and keeps it while it stays.
 */
import type { TemplateJson } from '@dogbreed/testing';
import { describe, expect, it } from 'vitest';
import { MOTO_GAPS, renameReAddedResources } from './aws-account.js';

const template = (): TemplateJson =>
  ({
    Resources: {
      Config: {
        Type: 'AWS::SageMaker::EndpointConfig',
        Properties: {
          ShadowProductionVariants: [{ ModelName: { 'Fn::GetAtt': ['Shadow', 'ModelName'] } }],
          Name: { 'Fn::Sub': '${Shadow}-${Shadow.ModelName}-${AWS::Region}' },
          Other: { Ref: 'Shadow' },
        },
        DependsOn: ['Shadow'],
      },
      Shadow: { Type: 'AWS::SageMaker::Model', Properties: {} },
    },
    Outputs: { Model: { Value: { Ref: 'Shadow' } } },
  }) as unknown as TemplateJson;

describe('renameReAddedResources (re-added-resource-reused)', () => {
  it('is a documented moto gap', () => {
    expect(MOTO_GAPS.map((g) => g.name)).toContain('re-added-resource-reused');
  });

  it('leaves a template alone when no resource comes back', () => {
    const t = template();
    expect(renameReAddedResources(t, new Set(['Config']), new Set(['Config'])).size).toBe(0);
    expect(renameReAddedResources(t, new Set(['Config', 'Shadow']), new Set(['Config', 'Shadow'])).size).toBe(
      0,
    );
    expect(t).toEqual(template());
  });

  it('gives a resource the stack held before a fresh id, and every reference follows', () => {
    const t = template();
    const renames = renameReAddedResources(t, new Set(['Config']), new Set(['Config', 'Shadow']));
    expect([...renames]).toEqual([['Shadow', 'ShadowReadded1']]);
    expect(Object.keys(t.Resources)).toEqual(['Config', 'ShadowReadded1']);
    expect(t.Resources['Config']).toEqual({
      Type: 'AWS::SageMaker::EndpointConfig',
      Properties: {
        ShadowProductionVariants: [{ ModelName: { 'Fn::GetAtt': ['ShadowReadded1', 'ModelName'] } }],
        Name: { 'Fn::Sub': '${ShadowReadded1}-${ShadowReadded1.ModelName}-${AWS::Region}' },
        Other: { Ref: 'ShadowReadded1' },
      },
      DependsOn: ['ShadowReadded1'],
    });
    expect(t['Outputs']).toEqual({ Model: { Value: { Ref: 'ShadowReadded1' } } });
  });

  it('keeps the fresh id while the resource stays, and takes a new one each time it comes back', () => {
    const kept = template();
    renameReAddedResources(
      kept,
      new Set(['Config', 'ShadowReadded1']),
      new Set(['Config', 'Shadow', 'ShadowReadded1']),
    );
    expect(Object.keys(kept.Resources)).toEqual(['Config', 'ShadowReadded1']);
    const again = template();
    renameReAddedResources(again, new Set(['Config']), new Set(['Config', 'Shadow', 'ShadowReadded1']));
    expect(Object.keys(again.Resources)).toEqual(['Config', 'ShadowReadded2']);
  });
});
