import { MemoryStore } from '../../server/store/memory-store.js';
import { describeStore } from './contract.js';

describeStore('memory', { create: async ({ logSize }) => new MemoryStore({ logSize }) });
