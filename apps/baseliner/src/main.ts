import { runMain } from '@baseliner/platform';
import { BaselinerAppModule } from './app.module';

runMain((platform) => BaselinerAppModule.forRoot(platform));
