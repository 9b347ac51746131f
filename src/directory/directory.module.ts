import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CryptoModule } from '../crypto/crypto.module';
import { ContactsController } from './contacts.controller';
import { DirectoryController } from './directory.controller';
import { DirectoryVersionsRepository } from './directory-versions.repository';
import { DirectoryService } from './directory.service';

@Module({
  imports: [CryptoModule, AuditModule],
  controllers: [DirectoryController, ContactsController],
  providers: [DirectoryService, DirectoryVersionsRepository],
  exports: [DirectoryService],
})
export class DirectoryModule {}
