import { Component, type ErrorInfo, type ReactNode } from 'react';
import { i18n } from '../i18n';

interface State {
  failed: boolean;
}

/** A screen that throws shows a calm message and a way back, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    // No personal data: only the error's name and the component stack.
    console.error('console screen failed:', error.name, info.componentStack?.split('\n')[1]?.trim());
  }

  componentDidUpdate(previous: { resetKey?: string }): void {
    if (this.state.failed && previous.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    const t = i18n.t.bind(i18n);
    return (
      <div role="alert" className="panel error-panel">
        <h2>{t('ui:errorBoundary.title', 'This screen could not be shown')}</h2>
        <p>
          {t('ui:errorBoundary.body', 'Something went wrong while drawing this screen. Nothing was sent.')}
        </p>
        <p>
          <a href="#/" onClick={() => this.setState({ failed: false })}>
            {t('ui:errorBoundary.home', 'Back to the start page')}
          </a>
        </p>
      </div>
    );
  }
}
