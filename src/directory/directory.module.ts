import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { ContactsController } from './contacts.controller';
import { DirectoryController } from './directory.controller';
import { DirectoryService } from './directory.service';

@Module({
  imports: [CryptoModule],
  controllers: [DirectoryController, ContactsController],
  providers: [DirectoryService],
  exports: [DirectoryService],
})
export class DirectoryModule {}
