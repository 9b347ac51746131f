import { Module } from '@nestjs/common';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { FieldCipher } from './field-cipher';
import { KeyStore } from './key-store';

@Module({
  providers: [
    {
      provide: KeyStore,
      inject: [NODE_CONFIG],
      useFactory: (config: NodeConfig) => KeyStore.load(config.keysDir, config.country),
    },
    {
      provide: FieldCipher,
      inject: [NODE_CONFIG],
      useFactory: (config: NodeConfig) => FieldCipher.load(config.keysDir, config.country),
    },
  ],
  exports: [KeyStore, FieldCipher],
})
export class CryptoModule {}
